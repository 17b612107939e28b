/*
 * `synproxy state`, as pf's pf_synproxy: the router completes the handshake
 * with the client itself and only then opens the connection to the server,
 * so SYNs from spoofed sources never reach the server. Once both halves
 * stand, their sequence spaces are joined by the per-peer offsets `modulate
 * state` uses, and the state is tracked like any other.
 *
 *   client              router                          server
 *   SYN        ->       state PROXY_SRC, SYN dropped
 *              <-       SYN|ACK (window 0, MSS)
 *   ACK        ->       PROXY_DST, ACK dropped;   SYN ->  (leaves through the
 *                                                           outbound filter)
 *                       SYN|ACK dropped           <-  SYN|ACK
 *              <-       ACK (the server's window) ACK ->  ESTABLISHED, both
 *
 * Segments towards the client skip the filter, like every packet the router
 * originates; segments towards the server leave as the client's own would,
 * so outbound states and nat apply to them. Only inbound SYNs are proxied.
 */
#include "eng_internal.h"

#define MSS_DEFAULT 536 /* RFC 879: what a SYN without the option means */
#define MSS_MIN     64

/* The client's MSS, capped so a segment fits the interface it came in on. */
static uint16_t proxy_mss(const struct engine *eng, const struct eng_pdesc *pd)
{
        const uint8_t *o = eng_tcp_option(pd, 2, 4);
        uint32_t mss = o ? eng_rd16(o + 2) : MSS_DEFAULT;
        uint32_t hdrs = pd->pd_af == 4 ? 40 : 60;
        uint32_t mtu = pd->pd_ifindex < ENG_MAX_IFS ? eng->ifs[pd->pd_ifindex].mtu : 1500;

        if (mtu > hdrs && mss > mtu - hdrs)
                mss = mtu - hdrs;
        return (uint16_t)(mss < MSS_MIN ? MSS_MIN : mss);
}

/* To the client, from the address it talked to (the wire key; inbound: 0 is the client). */
static void to_client(struct engine *eng, const struct pf_state *s, uint32_t seq, uint32_t ack,
                      uint8_t flags, uint16_t win, uint16_t mss)
{
        const struct pf_state_key *k = &s->key0;

        eng_send_tcp(eng, k->af, &k->addr[1], &k->addr[0], k->port[1], k->port[0], seq, ack, flags,
                     win, mss, false);
}

/* To the server, as the client (the stack key: after any rdr). */
static void to_server(struct engine *eng, const struct pf_state *s, uint32_t seq, uint32_t ack,
                      uint8_t flags, uint16_t win, uint16_t mss)
{
        const struct pf_state_key *k = &s->key1;

        eng_send_tcp(eng, k->af, &k->addr[0], &k->addr[1], k->port[0], k->port[1], seq, ack, flags,
                     win, mss, true);
}

void eng_synproxy_start(struct engine *eng, struct pf_state *s, const struct eng_pdesc *pd)
{
        s->src.state = PF_TCPS_PROXY_SRC;
        s->src.seqhi = eng_random32(eng); /* our sequence towards the client */
        s->synproxy_mss = proxy_mss(eng, pd);
        if (!eng->sc.recreating) /* a cookie's SYN was answered by the cookie */
                to_client(eng, s, s->src.seqhi, pd->pd_seq + 1, ENG_TH_SYN | ENG_TH_ACK, 0,
                          s->synproxy_mss);
}

int eng_synproxy(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd, int *reason)
{
        uint8_t f = pd->pd_tcpflags;
        bool from_client = pd->pd_dir == s->direction;

        *reason = ENG_RES_SYNPROXY;
        if (s->src.state == PF_TCPS_PROXY_SRC) {
                if (!from_client)
                        return ENG_DROP;
                if (f & ENG_TH_SYN) {
                        /* A retransmitted SYN: answer it again. */
                        if (pd->pd_seq != s->src.seqlo)
                                return ENG_DROP;
                        to_client(eng, s, s->src.seqhi, pd->pd_seq + 1, ENG_TH_SYN | ENG_TH_ACK, 0,
                                  s->synproxy_mss);
                        return ENG_DROP;
                }
                if ((f & (ENG_TH_ACK | ENG_TH_RST | ENG_TH_FIN)) != ENG_TH_ACK ||
                    pd->pd_ack != s->src.seqhi + 1 || pd->pd_seq != s->src.seqlo + 1)
                        return ENG_DROP;
                /* The client's half stands. */
                s->src.state = PF_TCPS_PROXY_DST;
        }
        if (s->src.state == PF_TCPS_PROXY_DST) {
                if (from_client) {
                        /* The client's ACK (or a retransmission of it): open
                         * the server's half. */
                        if ((f & (ENG_TH_SYN | ENG_TH_ACK)) != ENG_TH_ACK ||
                            pd->pd_ack != s->src.seqhi + 1 || pd->pd_seq != s->src.seqlo + 1)
                                return ENG_DROP;
                        s->src.max_win = pd->pd_win ? pd->pd_win : 1;
                        if (s->dst.seqhi == 1)
                                s->dst.seqhi = eng_random32(eng);
                        to_server(eng, s, s->dst.seqhi, 0, ENG_TH_SYN, 0, s->synproxy_mss);
                        return ENG_DROP;
                }
                if ((f & (ENG_TH_SYN | ENG_TH_ACK)) != (ENG_TH_SYN | ENG_TH_ACK) ||
                    pd->pd_ack != s->dst.seqhi + 1)
                        return ENG_DROP;
                /* The server answered: complete its half, open the client's window. */
                s->dst.max_win = pd->pd_win ? pd->pd_win : 1;
                s->dst.seqlo = pd->pd_seq;
                to_server(eng, s, pd->pd_ack, pd->pd_seq + 1, ENG_TH_ACK, s->src.max_win, 0);
                to_client(eng, s, s->src.seqhi + 1, s->src.seqlo + 1, ENG_TH_ACK, s->dst.max_win,
                          0);
                /* From now on each side's numbers are shifted into the other's space. */
                s->src.seqdiff = s->dst.seqhi - s->src.seqlo;
                s->dst.seqdiff = s->src.seqhi - s->dst.seqlo;
                s->src.seqhi = s->src.seqlo + s->dst.max_win;
                s->dst.seqhi = s->dst.seqlo + s->src.max_win;
                /* Neither half negotiated window scaling. */
                s->src.wscale = s->dst.wscale = 0;
                s->src.state = s->dst.state = PF_TCPS_ESTABLISHED;
                s->expire_s = eng->now_s;
                s->timeout = ENG_TM_TCP_ESTABLISHED;
                return ENG_DROP;
        }
        return ENG_PASS;
}
