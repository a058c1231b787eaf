//! The client's address, as login and the per-address limits count it.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;

/// The address of the client of `req`: the connection's peer, or, when the peer is one of
/// `trusted_proxies`, the right-most address of `X-Forwarded-For` that is not a trusted proxy
/// (entries further left are whatever the client wrote and are never believed).
pub fn client_address(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|part| part.trim().parse::<IpAddr>())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted_proxies.contains(a))
        .unwrap_or(peer)
}
