//! Request metrics for `/metrics` (Prometheus text), counted per route template.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

use tracing_actix_web::RequestId;

use super::AppState;

/// The registry and the instruments of one application instance.
#[derive(Clone, Debug)]
pub struct HttpMetrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    jobs: IntGaugeVec,
}

impl HttpMetrics {
    /// Registers the instruments in a fresh registry.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "odr_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["method", "route", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "odr_http_request_duration_seconds",
                "HTTP request latency by route",
            ),
            &["method", "route"],
        )?;
        let jobs = IntGaugeVec::new(
            Opts::new("odr_jobs", "Jobs in the queue by state"),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(jobs.clone()))?;
        Ok(Self {
            registry,
            requests,
            duration,
            jobs,
        })
    }

    /// Sets the job gauge from a fresh count.
    pub fn set_job_counts(&self, counts: &[(String, i64)]) {
        self.jobs.reset();
        for (state, count) in counts {
            self.jobs.with_label_values(&[state.as_str()]).set(*count);
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buffer);
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// Middleware counting each request under its route template (never the raw path), and
/// returning the request id of the tracing span as `X-Request-Id`.
pub async fn record_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let request_id = request_id.and_then(|id| HeaderValue::from_str(&id).ok());
    let count = |route: &str, status: StatusCode| {
        if let Some(metrics) = &metrics {
            let status = status.as_u16().to_string();
            metrics
                .requests
                .with_label_values(&[method.as_str(), route, status.as_str()])
                .inc();
            metrics
                .duration
                .with_label_values(&[method.as_str(), route])
                .observe(started.elapsed().as_secs_f64());
        }
    };
    match next.call(req).await {
        Ok(mut response) => {
            if let Some(id) = request_id {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), id);
            }
            let route = response
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".into());
            count(&route, response.status());
            Ok(response)
        }
        // Refused or failed in a middleware (a panic, a body refused while read): the route is
        // not known any more.
        Err(error) => {
            count("unrouted", error.as_response_error().status_code());
            let headers = request_id
                .map(|id| (HeaderName::from_static("x-request-id"), id))
                .into_iter()
                .collect();
            Err(super::headers::with_headers(error, headers))
        }
    }
}

/// The root span of each request: method, route template, path and request id, never the
/// query string (searches carry names, email addresses and mobile numbers) nor the client's
/// address or user agent; docs/people-data.md says what is logged.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %request.path(),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
