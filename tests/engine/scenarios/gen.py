#!/usr/bin/python3
"""Writes the engine scenarios: a pf.conf and a .scn script per scenario.

Frames are built with scapy (Debian's python3-scapy; run with /usr/bin/python3),
so expected packets, checksums included, come from an implementation other
than the engine's. The .scn files are committed; rerun this after editing:
    /usr/bin/python3 tests/engine/scenarios/gen.py tests/engine/scenarios

.scn lines:  conf FILE | in IF HEX | out IF HEX | tick SECONDS | # comment
             reason NAME N (drop counter) | logged N [RULENR ACTION] (log hook)
After each `in`, the frames the engine emitted must equal the `out` lines
that follow it, in order per interface, and nothing else.
The engine under test has lan (192.168.1.1/24, fd00:1::1/64, MAC
02:00:00:00:00:01) and wan (203.0.113.1/24, 2001:db8:1::1/64, MAC
02:00:00:00:01:01), default gateways 203.0.113.254 / 2001:db8:1::fe (MAC
02:00:00:00:bb:01), lan host 192.168.1.10 / fd00:1::10 (MAC 02:00:00:00:aa:01),
all neighbors already resolved.
"""
import os
import sys

from scapy.all import (ICMP, IP, TCP, UDP, Ether, ICMPv6DestUnreach, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6PacketTooBig, IPv6, IPv6ExtHdrFragment, Raw,
                       fragment, fragment6, raw)

LAN_MAC = "02:00:00:00:00:01"
WAN_MAC = "02:00:00:00:01:01"
HOST_MAC = "02:00:00:00:aa:01"
GW_MAC = "02:00:00:00:bb:01"
HOST = "192.168.1.10"
SRV = "198.51.100.7"
WAN = "203.0.113.1"


def from_lan(p):
    return Ether(src=HOST_MAC, dst=LAN_MAC) / p


def from_wan(p):
    return Ether(src=GW_MAC, dst=WAN_MAC) / p


def to_wan(p):
    return Ether(src=WAN_MAC, dst=GW_MAC) / p


def to_lan(p):
    return Ether(src=LAN_MAC, dst=HOST_MAC) / p


class Scn:
    def __init__(self, name, conf):
        self.name, self.conf, self.lines = name, conf, []

    def inp(self, ifname, frame):
        self.lines.append(f"in {ifname} {raw(frame).hex()}")
        return self

    def out(self, ifname, frame):
        self.lines.append(f"out {ifname} {raw(frame).hex()}")
        return self

    def tick(self, s):
        self.lines.append(f"tick {s}")
        return self

    def reason(self, name, n):
        self.lines.append(f"reason {name} {n}")
        return self

    def logged(self, n, rule=None, action=None):
        self.lines.append(f"logged {n}" + ("" if rule is None else f" {rule} {action}"))
        return self

    def note(self, text):
        self.lines.append(f"# {text}")
        return self


def scenarios():
    s = []

    nat = Scn("nat_tcp", """\
nat on wan inet from lan:network to any -> (wan) port 50001:50001
pass all
""")
    nat.note("SYN from the lan host leaves from the wan address, port 50001")
    nat.inp("lan", from_lan(IP(src=HOST, dst=SRV, ttl=64) /
                            TCP(sport=40000, dport=80, seq=1000, flags="S", window=8192)))
    nat.out("wan", to_wan(IP(src=WAN, dst=SRV, ttl=63) /
                          TCP(sport=50001, dport=80, seq=1000, flags="S", window=8192)))
    nat.note("the SYN-ACK is translated back")
    nat.inp("wan", from_wan(IP(src=SRV, dst=WAN, ttl=60) /
                            TCP(sport=80, dport=50001, seq=7000, ack=1001, flags="SA",
                                window=8192)))
    nat.out("lan", to_lan(IP(src=SRV, dst=HOST, ttl=59) /
                          TCP(sport=80, dport=40000, seq=7000, ack=1001, flags="SA",
                              window=8192)))
    nat.note("a second host port finds the only nat port taken: dropped")
    nat.inp("lan", from_lan(IP(src=HOST, dst=SRV) /
                            TCP(sport=40001, dport=80, seq=5, flags="S", window=8192)))
    s.append(nat)

    rdr = Scn("rdr_portforward", """\
rdr on wan proto tcp from any to (wan) port 8080 -> 192.168.1.10 port 80
block in on wan all
pass in on wan proto tcp to 192.168.1.10 port 80
pass out all
pass in on lan all
""")
    rdr.inp("wan", from_wan(IP(src=SRV, dst=WAN) /
                            TCP(sport=33333, dport=8080, seq=9, flags="S", window=512)))
    rdr.out("lan", to_lan(IP(src=SRV, dst=HOST, ttl=63) /
                          TCP(sport=33333, dport=80, seq=9, flags="S", window=512)))
    rdr.inp("lan", from_lan(IP(src=HOST, dst=SRV) /
                            TCP(sport=80, dport=33333, seq=500, ack=10, flags="SA",
                                window=512)))
    rdr.out("wan", to_wan(IP(src=WAN, dst=SRV, ttl=63) /
                          TCP(sport=8080, dport=33333, seq=500, ack=10, flags="SA",
                              window=512)))
    rdr.note("another port is not forwarded and meets 'block in on wan'")
    rdr.inp("wan", from_wan(IP(src=SRV, dst=WAN) / TCP(sport=1, dport=8081, flags="S")))
    s.append(rdr)

    ret = Scn("block_return", """\
pass all
block return in on lan proto tcp to port 23
block return in on lan proto udp to port 9
""")
    ret.inp("lan", from_lan(IP(src=HOST, dst=SRV) /
                            TCP(sport=40000, dport=23, seq=100, flags="S", window=1)))
    ret.out("lan", to_lan(IP(src=SRV, dst=HOST, ttl=64, flags=0, id=0) /
                          TCP(sport=23, dport=40000, seq=0, ack=101, flags="RA",
                              window=0)))
    udp = IP(src=HOST, dst=SRV, id=7) / UDP(sport=5000, dport=9) / Raw(b"discard!")
    ret.inp("lan", from_lan(udp))
    ret.out("lan", to_lan(IP(src="192.168.1.1", dst=HOST, ttl=64, id=0) /
                          ICMP(type=3, code=3) / raw(IP(raw(udp)))))
    s.append(ret)

    err = Scn("icmp_error_through_nat", """\
nat on wan from 192.168.1.0/24 to any -> 203.0.113.1 port 50007:50007
pass all
""")
    q = IP(src=HOST, dst=SRV, id=42) / UDP(sport=5353, dport=53) / Raw(b"query")
    err.inp("lan", from_lan(q))
    wq = IP(src=WAN, dst=SRV, id=42, ttl=63) / UDP(sport=50007, dport=53) / Raw(b"query")
    err.out("wan", to_wan(wq))
    err.note("port unreachable from the server quotes the translated packet")
    err.inp("wan", from_wan(IP(src=SRV, dst=WAN, id=1) / ICMP(type=3, code=3) /
                            raw(IP(raw(wq)))))
    back = IP(src=HOST, dst=SRV, id=42, ttl=63) / UDP(sport=5353, dport=53) / Raw(b"query")
    err.out("lan", to_lan(IP(src=SRV, dst=HOST, id=1, ttl=63) / ICMP(type=3, code=3) /
                          raw(IP(raw(back)))))
    s.append(err)

    ping = Scn("ping_router", """\
block all
pass in inet proto icmp icmp-type echoreq
pass in inet6 proto icmp6 icmp6-type echoreq
""")
    ping.inp("lan", from_lan(IP(src=HOST, dst="192.168.1.1", id=5) /
                             ICMP(type=8, id=77, seq=1) / Raw(b"abcdefgh")))
    ping.out("lan", to_lan(IP(src="192.168.1.1", dst=HOST, id=0, ttl=64) /
                           ICMP(type=0, id=77, seq=1) / Raw(b"abcdefgh")))
    ping.inp("lan", from_lan(IPv6(src="fd00:1::10", dst="fd00:1::1") /
                             ICMPv6EchoRequest(id=9, seq=2, data=b"v6ping")))
    ping.out("lan", to_lan(IPv6(src="fd00:1::1", dst="fd00:1::10", hlim=64) /
                           ICMPv6EchoReply(id=9, seq=2, data=b"v6ping")))
    ping.note("echo requests pass in on any interface: the wan address answers too")
    ping.inp("wan", from_wan(IP(src=SRV, dst=WAN) / ICMP(type=8, id=1, seq=1)))
    ping.out("wan", to_wan(IP(src=WAN, dst=SRV, id=0, ttl=64) / ICMP(type=0, id=1, seq=1)))
    ping.note("a timestamp request is not passed")
    ping.inp("lan", from_lan(IP(src=HOST, dst="192.168.1.1") / ICMP(type=13)))
    s.append(ping)

    frag = Scn("scrub_reassembly", """\
scrub in all
pass all
""")
    big = IP(src=HOST, dst=SRV, id=999) / UDP(sport=7, dport=7) / Raw(bytes(range(256)) * 5)
    for f in fragment(big, fragsize=512):
        frag.inp("lan", from_lan(f))
    whole = IP(raw(big))
    whole.ttl = 63
    del whole.chksum
    frag.out("wan", to_wan(whole))
    s.append(frag)

    f6 = Scn("scrub_reassembly_v6", """\
scrub in all
pass all
""")
    big6 = IPv6(src="fd00:1::10", dst="2001:db8:9::7") / IPv6ExtHdrFragment(id=0x1234) / \
        UDP(sport=9, dport=9) / Raw(bytes(range(200)) * 6)
    frags6 = fragment6(big6, 600)
    for fr in reversed(frags6):
        f6.inp("lan", from_lan(fr))
    whole6 = IPv6(src="fd00:1::10", dst="2001:db8:9::7", hlim=63) / UDP(sport=9, dport=9) / \
        Raw(bytes(range(200)) * 6)
    f6.out("wan", to_wan(whole6))
    s.append(f6)

    tbl = Scn("table_block", """\
table <bad> { 10.66.0.0/16, !10.66.1.0/24 }
pass all
block in quick on wan from <bad>
""")
    tbl.inp("wan", from_wan(IP(src="10.66.2.1", dst=HOST) / UDP(sport=1, dport=2)))
    tbl.inp("wan", from_wan(IP(src="10.66.1.5", dst=HOST) / UDP(sport=1, dport=2)))
    tbl.out("lan", to_lan(IP(src="10.66.1.5", dst=HOST, ttl=63) / UDP(sport=1, dport=2)))
    s.append(tbl)

    v6 = Scn("v6_forward", """\
pass out all
pass in on lan inet6 all
block in on wan all
""")
    v6.inp("lan", from_lan(IPv6(src="fd00:1::10", dst="2001:db8:9::7", hlim=64) /
                           UDP(sport=1000, dport=53) / Raw(b"q6")))
    v6.out("wan", to_wan(IPv6(src="fd00:1::10", dst="2001:db8:9::7", hlim=63) /
                         UDP(sport=1000, dport=53) / Raw(b"q6")))
    v6.inp("wan", from_wan(IPv6(src="2001:db8:9::7", dst="fd00:1::10", hlim=50) /
                           UDP(sport=53, dport=1000) / Raw(b"a6")))
    v6.out("lan", to_lan(IPv6(src="2001:db8:9::7", dst="fd00:1::10", hlim=49) /
                         UDP(sport=53, dport=1000) / Raw(b"a6")))
    v6.note("unsolicited from the wan: blocked")
    v6.inp("wan", from_wan(IPv6(src="2001:db8:9::7", dst="fd00:1::10") /
                           UDP(sport=53, dport=1001)))
    s.append(v6)

    to = Scn("rule_timeout", """\
block in on wan all
pass out on wan proto udp all keep state (udp.first 5, udp.single 5, udp.multiple 5)
""")
    q = IP(src=HOST, dst=SRV, id=9) / UDP(sport=4444, dport=53) / Raw(b"q")
    to.inp("lan", from_lan(q))
    wq = IP(src=HOST, dst=SRV, id=9, ttl=63) / UDP(sport=4444, dport=53) / Raw(b"q")
    to.out("wan", to_wan(wq))
    to.note("within the rule's 5 s the reply passes")
    to.tick(3)
    a = IP(src=SRV, dst=HOST, id=10) / UDP(sport=53, dport=4444) / Raw(b"a")
    to.inp("wan", from_wan(a))
    to.out("lan", to_lan(IP(src=SRV, dst=HOST, id=10, ttl=63) / UDP(sport=53, dport=4444) /
                         Raw(b"a")))
    to.note("6 s later the state is gone (the default 60 s would have kept it)")
    to.tick(6)
    to.inp("wan", from_wan(a))
    s.append(to)

    bi = Scn("binat", """\
binat on wan from 192.168.1.10 to any -> 203.0.113.10
pass all
""")
    bi.inp("wan", from_wan(IP(src=SRV, dst="203.0.113.10", id=1) /
                           TCP(sport=5555, dport=22, seq=1, flags="S", window=100)))
    bi.out("lan", to_lan(IP(src=SRV, dst=HOST, id=1, ttl=63) /
                         TCP(sport=5555, dport=22, seq=1, flags="S", window=100)))
    bi.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=2) /
                           TCP(sport=22, dport=5555, seq=50, ack=2, flags="SA", window=100)))
    bi.out("wan", to_wan(IP(src="203.0.113.10", dst=SRV, id=2, ttl=63) /
                         TCP(sport=22, dport=5555, seq=50, ack=2, flags="SA", window=100)))
    s.append(bi)

    er = Scn("icmp_error_from_rdr_host", """\
rdr on wan proto udp from any to (wan) port 5353 -> 192.168.1.10 port 53
pass all
""")
    er.inp("wan", from_wan(IP(src=SRV, dst=WAN, id=3) / UDP(sport=7777, dport=5353) /
                           Raw(b"ask")))
    got = IP(src=SRV, dst=HOST, id=3, ttl=63) / UDP(sport=7777, dport=53) / Raw(b"ask")
    er.out("lan", to_lan(got))
    er.note("the inside host refuses; the error leaves as if the wan address sent it")
    er.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=4) / ICMP(type=3, code=3) /
                           raw(IP(raw(got)))))
    seen = IP(src=SRV, dst=WAN, id=3, ttl=63) / UDP(sport=7777, dport=5353) / Raw(b"ask")
    er.out("wan", to_wan(IP(src=WAN, dst=SRV, id=4, ttl=63) / ICMP(type=3, code=3) /
                         raw(IP(raw(seen)))))
    s.append(er)

    e6 = Scn("icmp6_error_matches_state", """\
block in on wan all
pass out all
pass in on lan all
""")
    p6 = IPv6(src="fd00:1::10", dst="2001:db8:9::7") / UDP(sport=1000, dport=53) / Raw(b"x" * 64)
    e6.inp("lan", from_lan(p6))
    p6out = IPv6(src="fd00:1::10", dst="2001:db8:9::7", hlim=63) / UDP(sport=1000, dport=53) / \
        Raw(b"x" * 64)
    e6.out("wan", to_wan(p6out))
    e6.note("an error about that flow from a router beyond passes back in")
    err6 = IPv6(src="2001:db8:5::1", dst="fd00:1::10", hlim=60) / \
        ICMPv6PacketTooBig(mtu=1280) / raw(p6out)
    e6.inp("wan", from_wan(err6))
    fwd6 = IPv6(src="2001:db8:5::1", dst="fd00:1::10", hlim=59) / \
        ICMPv6PacketTooBig(mtu=1280) / raw(p6out)
    e6.out("lan", to_lan(fwd6))
    e6.note("an error quoting a flow nobody has meets 'block in on wan'")
    other = IPv6(src="fd00:1::10", dst="2001:db8:9::7", hlim=63) / UDP(sport=1001, dport=53)
    e6.inp("wan", from_wan(IPv6(src="2001:db8:5::1", dst="fd00:1::10") /
                           ICMPv6DestUnreach(code=4) / raw(other)))
    s.append(e6)

    ms = Scn("max_src_states", """\
pass out all
pass in on lan proto udp keep state (max-src-states 2)
""")
    for sport in (1001, 1002, 1003):
        ms.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=sport) / UDP(sport=sport, dport=53)))
        if sport != 1003:
            ms.out("wan", to_wan(IP(src=HOST, dst=SRV, id=sport, ttl=63) /
                                 UDP(sport=sport, dport=53)))
    ms.note("the third state from the same source is refused; another host is not")
    ms.inp("lan", from_lan(IP(src="192.168.1.11", dst=SRV, id=5) / UDP(sport=1003, dport=53)))
    ms.out("wan", to_wan(IP(src="192.168.1.11", dst=SRV, id=5, ttl=63) /
                         UDP(sport=1003, dport=53)))
    s.append(ms)

    mn = Scn("max_src_nodes", """\
pass out all
pass in on lan proto udp keep state (max-src-nodes 1, max-src-states 10)
""")
    mn.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=1) / UDP(sport=1, dport=53)))
    mn.out("wan", to_wan(IP(src=HOST, dst=SRV, id=1, ttl=63) / UDP(sport=1, dport=53)))
    mn.note("a second source would be a second node: refused")
    mn.inp("lan", from_lan(IP(src="192.168.1.11", dst=SRV, id=2) / UDP(sport=1, dport=53)))
    mn.reason("src-limit", 1)
    mn.note("the first source may open more")
    mn.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=3) / UDP(sport=2, dport=53)))
    mn.out("wan", to_wan(IP(src=HOST, dst=SRV, id=3, ttl=63) / UDP(sport=2, dport=53)))
    s.append(mn)

    ov = Scn("max_src_conn_overload", """\
table <abusers> persist
block in quick on lan from <abusers>
pass out all
pass in on lan proto tcp keep state (max-src-conn 1, overload <abusers> flush)
""")

    def handshake(scn, sport, last_ok):
        scn.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=1) /
                                TCP(sport=sport, dport=80, seq=100, flags="S", window=1000)))
        scn.out("wan", to_wan(IP(src=HOST, dst=SRV, id=1, ttl=63) /
                              TCP(sport=sport, dport=80, seq=100, flags="S", window=1000)))
        scn.inp("wan", from_wan(IP(src=SRV, dst=HOST, id=2) /
                                TCP(sport=80, dport=sport, seq=900, ack=101, flags="SA",
                                    window=1000)))
        scn.out("lan", to_lan(IP(src=SRV, dst=HOST, id=2, ttl=63) /
                              TCP(sport=80, dport=sport, seq=900, ack=101, flags="SA",
                                  window=1000)))
        scn.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=3) /
                                TCP(sport=sport, dport=80, seq=101, ack=901, flags="A",
                                    window=1000)))
        if last_ok:
            scn.out("wan", to_wan(IP(src=HOST, dst=SRV, id=3, ttl=63) /
                                  TCP(sport=sport, dport=80, seq=101, ack=901, flags="A",
                                      window=1000)))

    ov.note("one established connection is allowed")
    handshake(ov, 2001, True)
    ov.note("the second completes its handshake: over max-src-conn 1, the source goes into "
            "<abusers>, its states are flushed and the ACK is dropped")
    handshake(ov, 2002, False)
    ov.note("from now on the table blocks it, even on the first connection")
    ov.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=4) /
                           TCP(sport=2001, dport=80, seq=101, ack=901, flags="A", window=1000)))
    s.append(ov)

    rp = Scn("rdr_pass", """\
rdr pass on wan proto tcp to (wan) port 2222 -> 192.168.1.10 port 22
block in all
pass out all
""")
    rp.note("'rdr pass' skips the filter rules: 'block in all' does not see it")
    rp.inp("wan", from_wan(IP(src=SRV, dst=WAN, id=8) /
                           TCP(sport=40000, dport=2222, seq=5, flags="S", window=64)))
    rp.out("lan", to_lan(IP(src=SRV, dst=HOST, id=8, ttl=63) /
                         TCP(sport=40000, dport=22, seq=5, flags="S", window=64)))
    rp.note("other ports are not redirected and meet 'block in all'")
    rp.inp("wan", from_wan(IP(src=SRV, dst=WAN, id=9) /
                           TCP(sport=40000, dport=2223, seq=5, flags="S", window=64)))
    s.append(rp)

    gw = Scn("gateway_policy", """\
lan_net = "192.168.1.0/24"
table <bogons> { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 }
set block-policy drop
scrub in all
nat on wan inet from $lan_net to any -> (wan) port 60000
block in log all
block in quick log on wan from <bogons>
pass out quick on wan keep state
pass in quick on lan inet from $lan_net to any keep state
pass in on lan inet proto udp to port 53
""")
    gw.note("outbound from the lan: translated, one state per side")
    gw.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=1) / UDP(sport=1111, dport=123)))
    gw.out("wan", to_wan(IP(src=WAN, dst=SRV, id=1, ttl=63) / UDP(sport=60000, dport=123)))
    gw.inp("wan", from_wan(IP(src=SRV, dst=WAN, id=2) / UDP(sport=123, dport=60000)))
    gw.out("lan", to_lan(IP(src=SRV, dst=HOST, id=2, ttl=63) / UDP(sport=123, dport=1111)))
    gw.logged(0)
    gw.note("a bogon source on the wan: quick block, logged as rule @1")
    gw.inp("wan", from_wan(IP(src="10.9.9.9", dst=WAN) / UDP(sport=1, dport=2)))
    gw.logged(1, 1, 1)
    gw.note("anything else unsolicited: the default block, logged as rule @0")
    gw.inp("wan", from_wan(IP(src=SRV, dst=WAN) / TCP(sport=1, dport=22, flags="S")))
    gw.logged(2, 0, 1)
    gw.reason("match", 4)
    gw.note("a truncated frame is dropped as short")
    gw.inp("wan", from_wan(IP(src=SRV, dst=WAN, len=60) / UDP(sport=1, dport=2)))
    gw.reason("short", 1)
    s.append(gw)

    sc = Scn("scrub_normalize", """\
scrub out on wan max-mss 1400
scrub in on lan all no-df min-ttl 70
pass all
""")
    sc.note("a SYN offering MSS 1460 leaves the wan offering 1400; DF cleared, TTL raised")
    sc.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=5, ttl=3, flags="DF") /
                           TCP(sport=40000, dport=80, seq=1, flags="S", window=100,
                               options=[("MSS", 1460)])))
    sc.out("wan", to_wan(IP(src=HOST, dst=SRV, id=5, ttl=69) /
                         TCP(sport=40000, dport=80, seq=1, flags="S", window=100,
                             options=[("MSS", 1400)])))
    sc.note("a smaller MSS is left alone")
    sc.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=6, ttl=80) /
                           TCP(sport=40001, dport=80, seq=1, flags="S", window=100,
                               options=[("MSS", 536)])))
    sc.out("wan", to_wan(IP(src=HOST, dst=SRV, id=6, ttl=79) /
                         TCP(sport=40001, dport=80, seq=1, flags="S", window=100,
                             options=[("MSS", 536)])))
    s.append(sc)

    np = Scn("nat_port_no_proto", """\
nat on wan inet from 192.168.1.0/24 to any port 500 -> (wan) port 500
pass all
""")
    np.note("pfSense's IPsec rule: a port and no protocol; UDP to port 500 is translated")
    np.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=1) / UDP(sport=500, dport=500)))
    np.out("wan", to_wan(IP(src=WAN, dst=SRV, id=1, ttl=63) / UDP(sport=500, dport=500)))
    np.note("UDP to another port is not")
    np.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=2) / UDP(sport=5000, dport=53)))
    np.out("wan", to_wan(IP(src=HOST, dst=SRV, id=2, ttl=63) / UDP(sport=5000, dport=53)))
    np.note("nor an ICMP echo whose id is 500: the port applies to packets with ports")
    np.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=3) / ICMP(type=8, id=500, seq=1)))
    np.out("wan", to_wan(IP(src=HOST, dst=SRV, id=3, ttl=63) / ICMP(type=8, id=500, seq=1)))
    np.note("nor an echo reply, whose id the engine keys as its destination port")
    np.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=6) / ICMP(type=0, id=500, seq=1)))
    np.out("wan", to_wan(IP(src=HOST, dst=SRV, id=6, ttl=63) / ICMP(type=0, id=500, seq=1)))
    s.append(np)

    sp = Scn("synproxy_no_proto", """\
pass in on lan synproxy state
pass out all
""")
    sp.note("synproxy state without proto: UDP keeps plain state and passes")
    sp.inp("lan", from_lan(IP(src=HOST, dst=SRV, id=4) / UDP(sport=6000, dport=53)))
    sp.out("wan", to_wan(IP(src=HOST, dst=SRV, id=4, ttl=63) / UDP(sport=6000, dport=53)))
    sp.inp("wan", from_wan(IP(src=SRV, dst=HOST, id=5) / UDP(sport=53, dport=6000)))
    sp.out("lan", to_lan(IP(src=SRV, dst=HOST, id=5, ttl=63) / UDP(sport=53, dport=6000)))
    s.append(sp)

    ttl = Scn("ttl_exceeded", "pass all\n")
    dying = IP(src=HOST, dst=SRV, ttl=1, id=3) / UDP(sport=33434, dport=33434) / Raw(b"tr")
    ttl.inp("lan", from_lan(dying))
    ttl.out("lan", to_lan(IP(src="192.168.1.1", dst=HOST, id=0, ttl=64) /
                          ICMP(type=11, code=0) / raw(IP(raw(dying)))))
    s.append(ttl)
    return s


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__)
    for sc in scenarios():
        with open(os.path.join(outdir, sc.name + ".conf"), "w") as f:
            f.write(sc.conf)
        with open(os.path.join(outdir, sc.name + ".scn"), "w") as f:
            f.write(f"# generated by gen.py: {sc.name}\nconf {sc.name}.conf\n")
            f.write("\n".join(sc.lines) + "\n")


if __name__ == "__main__":
    main()
