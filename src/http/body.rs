//! Reads small request bodies whole before routing. A handler that refuses a request before
//! reading its body (403, 404, or no body extractor at all) would otherwise leave bytes on the
//! connection, and actix closes such a connection after answering, which breaks the client's
//! next request on its pooled keep-alive connection. Bodies with a declared length up to the
//! JSON limit are buffered and handed on unchanged; larger ones (evidence, imports) stream to
//! the extractors that read them whole anyway.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage};
use futures_util::StreamExt;

/// Bodies at most this long are read before routing.
pub const BUFFERED_BODY_BYTES: usize = 256 * 1024;

/// Middleware: buffers a small body so that it is always read, whatever the handler does.
pub async fn buffer_small_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = declared.filter(|l| (1..=BUFFERED_BODY_BYTES).contains(l)) {
        let mut payload = req.take_payload();
        let mut body = BytesMut::with_capacity(length);
        while let Some(chunk) = payload.next().await {
            body.extend_from_slice(&chunk?);
        }
        req.set_payload(Payload::from(Bytes::from(body)));
    }
    next.call(req).await
}
