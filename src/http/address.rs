//! The client's address, as login and the per-address limits count it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use actix_web::HttpRequest;

/// The address of the client of `req`: the connection's peer, or, when the peer is one of
/// `trusted_proxies`, the right-most address of `X-Forwarded-For` that is not a trusted proxy
/// (entries further left are whatever the client wrote and are never believed; an entry that
/// is no address ends the walk). Limits count the result's [`bucket`].
pub fn client_address(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip().to_canonical());
    let trusted = |a: &IpAddr| trusted_proxies.iter().any(|t| t.to_canonical() == *a);
    if !trusted(&peer) {
        return bucket(peer);
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        let Ok(address) = entry.trim().parse::<IpAddr>() else {
            break;
        };
        client = address.to_canonical();
        if !trusted(&client) {
            break;
        }
    }
    bucket(client)
}

/// The unit a limit counts: an IPv4 address, or the /64 network of an IPv6 address (one
/// subscriber usually holds a whole /64, so counting single IPv6 addresses would count nothing).
pub fn bucket(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            IpAddr::V6(Ipv6Addr::new(
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                0,
                0,
                0,
                0,
            ))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::bucket;

    #[test]
    fn an_ipv6_subscriber_is_counted_by_its_network() {
        let a = bucket(
            "2001:db8:1:2:aaaa::1"
                .parse()
                .unwrap_or(std::net::IpAddr::from([0; 4])),
        );
        let b = bucket(
            "2001:db8:1:2:bbbb::9"
                .parse()
                .unwrap_or(std::net::IpAddr::from([0; 4])),
        );
        assert_eq!(a, b);
        let mapped = bucket(
            "::ffff:203.0.113.9"
                .parse()
                .unwrap_or(std::net::IpAddr::from([0; 4])),
        );
        assert_eq!(mapped.to_string(), "203.0.113.9");
    }
}
