package com.strongroom.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Which addresses a webhook may be delivered to: none that is loopback, private, link-local
 * (cloud metadata at 169.254.169.254 included), unspecified, multicast or reserved, unless an
 * entry of {@code webhooks.allow-targets} covers it. IPv6 forms that embed an IPv4 address
 * (IPv4-mapped, IPv4-compatible, NAT64) are judged by the IPv4 address they carry.
 */
public final class Destinations {
    private final List<AllowedTarget> allowed;

    public Destinations(List<AllowedTarget> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    /** Why {@code address:port} may not be reached, or null when it may. */
    public String refusal(InetAddress address, int port) {
        InetAddress a = normalise(address);
        String kind = restrictedKind(a);
        if (kind == null) {
            return null;
        }
        for (AllowedTarget t : allowed) {
            if (t.covers(a, port)) {
                return null;
            }
        }
        return "destination refused: " + a.getHostAddress() + " is a " + kind
                + " address and webhooks.allow-targets does not list it";
    }

    /** The IPv4 address an IPv6 address embeds (mapped, compatible, NAT64), else the address itself. */
    static InetAddress normalise(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] b = address.getAddress();
        boolean mapped = zero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = zero(b, 0, 12) && !(zero(b, 12, 15) && (b[15] == 0 || b[15] == 1));
        boolean nat64 = (b[0] & 0xff) == 0x00
                && (b[1] & 0xff) == 0x64
                && (b[2] & 0xff) == 0xff
                && (b[3] & 0xff) == 0x9b
                && zero(b, 4, 12);
        if (!mapped && !compatible && !nat64) {
            return address;
        }
        try {
            return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean zero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The kind of restricted address, or null for an ordinary public one. */
    static String restrictedKind(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int o0 = b[0] & 0xff;
            int o1 = b[1] & 0xff;
            if (o0 == 0) {
                return "unspecified";
            }
            if (o0 == 127) {
                return "loopback";
            }
            if (o0 == 169 && o1 == 254) {
                return "link-local or metadata";
            }
            if (o0 == 10 || (o0 == 172 && o1 >= 16 && o1 <= 31) || (o0 == 192 && o1 == 168)) {
                return "private";
            }
            if (o0 == 100 && o1 >= 64 && o1 <= 127) {
                return "shared (carrier-grade NAT)";
            }
            if ((o0 == 192 && o1 == 0 && (b[2] & 0xff) == 0) || (o0 == 198 && (o1 == 18 || o1 == 19))) {
                return "reserved";
            }
            if (o0 >= 224) {
                return "multicast or reserved";
            }
            return null;
        }
        if (a.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        int o0 = b[0] & 0xff;
        if ((o0 & 0xfe) == 0xfc) {
            return "private (unique local)";
        }
        if (o0 == 0xfe && (b[1] & 0xc0) == 0x80) {
            return "link-local";
        }
        if (o0 == 0xfe && (b[1] & 0xc0) == 0xc0) {
            return "site-local";
        }
        if (o0 == 0xff) {
            return "multicast";
        }
        return null;
    }
}
