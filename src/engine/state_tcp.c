/*
 * TCP sequence tracking after pf's pf_tcp_track_full: each peer keeps the
 * highest sequence it sent (seqlo), the right edge of what it may send
 * (seqhi, from the other side's acks and windows), its largest window and
 * its window scale. Segments outside those bounds are state mismatches.
 * `modulate state` adds a random offset to each side's sequence numbers on
 * the wire; everything here is tracked in each sender's own space.
 */
#include "eng_internal.h"
#include "eng_cksum.h"

#define SEQ_LT(a, b)  ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

/* 1500 is pf's fudge factor for a reassembled fragment. */
#define PF_MAXACKWINDOW (0xffff + 1500)
#define PF_TCP_MAXWIN   65535

uint8_t *eng_tcp_option(const struct eng_pdesc *pd, uint8_t kind, uint8_t len)
{
        uint8_t *o = pd->pd_buf + pd->pd_l4 + 20;
        uint8_t *end = pd->pd_buf + pd->pd_l4 + pd->pd_thlen;

        while (o < end) {
                if (o[0] == 0)
                        break;
                if (o[0] == 1) {
                        o++;
                        continue;
                }
                if (end - o < 2 || o[1] < 2 || o[1] > end - o)
                        break;
                if (o[0] == kind && o[1] == len)
                        return o;
                o += o[1];
        }
        return NULL;
}

uint8_t eng_tcp_wscale(const struct eng_pdesc *pd)
{
        const uint8_t *o = eng_tcp_option(pd, 3, 3);
        uint8_t sh;

        if (o == NULL)
                return 0;
        sh = o[2];
        if (sh > 14)
                sh = 14; /* RFC 7323 caps the shift */
        return (uint8_t)(sh | PF_WSCALE_FLAG);
}

/* Rewrites a 32-bit TCP field at off, fixing the checksum incrementally. */
static void tcp_set32(struct eng_pdesc *pd, uint32_t off, uint32_t v)
{
        eng_l4_set32(pd, pd->pd_buf + pd->pd_l4 + off, v);
        /* Later passes (out on the next interface) see the rewritten value. */
        if (off == 4)
                pd->pd_seq = v;
        else
                pd->pd_ack = v;
}

void eng_tcp_state_init(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd)
{
        uint8_t f = pd->pd_tcpflags;

        s->src.seqlo = pd->pd_seq;
        s->src.seqhi = pd->pd_seq + pd->pd_plen + 1;
        if ((f & (ENG_TH_SYN | ENG_TH_ACK)) == ENG_TH_SYN && (s->flags & ENG_SF_MODULATE)) {
                s->src.seqdiff = eng_random32(eng);
                tcp_set32(pd, 4, s->src.seqlo + s->src.seqdiff);
        }
        if (f & ENG_TH_SYN) {
                s->src.seqhi++;
                s->src.wscale = eng_tcp_wscale(pd);
        }
        s->src.max_win = pd->pd_win ? pd->pd_win : 1;
        if (s->src.wscale & PF_WSCALE_MASK) {
                /* The window of a SYN is not scaled: store it unscaled. */
                uint32_t w = s->src.max_win + (1u << (s->src.wscale & PF_WSCALE_MASK));

                s->src.max_win = (uint16_t)((w - 1) >> (s->src.wscale & PF_WSCALE_MASK));
        }
        if (f & ENG_TH_FIN)
                s->src.seqhi++;
        s->dst.seqhi = 1;
        s->dst.max_win = 1;
        s->src.state = PF_TCPS_SYN_SENT;
        s->dst.state = PF_TCPS_CLOSED;
        s->timeout = ENG_TM_TCP_FIRST;
}

/* A segment that fits the window moves both peers' edges (pf's window update). */
static void advance_window(struct pf_state_peer *src, struct pf_state_peer *dst, uint32_t end,
                           uint32_t ack, uint32_t win, uint8_t sws)
{
        if (src->max_win < win)
                src->max_win = (uint16_t)win;
        if (SEQ_GT(end, src->seqlo))
                src->seqlo = end;
        if (SEQ_GEQ(ack + (win << sws), dst->seqhi))
                dst->seqhi = ack + ((win << sws) ? (win << sws) : 1);
}

static void update_timeout(struct pf_state *s, const struct pf_state_peer *src,
                           const struct pf_state_peer *dst)
{
        if (src->state >= PF_TCPS_FIN_WAIT_2 && dst->state >= PF_TCPS_FIN_WAIT_2)
                s->timeout = ENG_TM_TCP_CLOSED;
        else if (src->state >= PF_TCPS_CLOSING && dst->state >= PF_TCPS_CLOSING)
                s->timeout = ENG_TM_TCP_FIN_WAIT;
        else if (src->state < PF_TCPS_ESTABLISHED || dst->state < PF_TCPS_ESTABLISHED)
                s->timeout = ENG_TM_TCP_OPENING;
        else if (src->state >= PF_TCPS_CLOSING || dst->state >= PF_TCPS_CLOSING)
                s->timeout = ENG_TM_TCP_CLOSING;
        else
                s->timeout = ENG_TM_TCP_ESTABLISHED;
}

/* `sloppy`: follow the flags only, for asymmetric paths where one side's
 * segments are never seen (pf_tcp_track_sloppy). */
static int track_sloppy(struct engine *eng, struct pf_state *s, const struct eng_pdesc *pd)
{
        bool from_src = pd->pd_dir == s->direction;
        struct pf_state_peer *src = from_src ? &s->src : &s->dst;
        struct pf_state_peer *dst = from_src ? &s->dst : &s->src;
        uint8_t f = pd->pd_tcpflags;

        if ((f & ENG_TH_SYN) && src->state < PF_TCPS_SYN_SENT)
                src->state = PF_TCPS_SYN_SENT;
        if ((f & ENG_TH_FIN) && src->state < PF_TCPS_CLOSING)
                src->state = PF_TCPS_CLOSING;
        if (f & ENG_TH_ACK) {
                if (dst->state == PF_TCPS_SYN_SENT) {
                        dst->state = PF_TCPS_ESTABLISHED;
                        if (src->state < PF_TCPS_ESTABLISHED)
                                src->state = PF_TCPS_ESTABLISHED;
                } else if (dst->state == PF_TCPS_CLOSING) {
                        dst->state = PF_TCPS_FIN_WAIT_2;
                } else if (src->state < PF_TCPS_ESTABLISHED) {
                        /* picked up mid-stream: one side seen only */
                        src->state = dst->state = PF_TCPS_ESTABLISHED;
                }
        }
        if (f & ENG_TH_RST)
                src->state = dst->state = PF_TCPS_TIME_WAIT;
        s->expire_s = eng->now_s;
        update_timeout(s, src, dst);
        return ENG_PASS;
}

/* One segment as tracking sees it: sequence space in its sender's own
 * numbers, the window unscaled, the scale shifts that apply to it. */
struct tcp_seg {
        uint32_t seq, ack, end, win;
        uint8_t sws, dws;
};

/*
 * The first segment seen from this end (its SYN, or the responder's first
 * under modulation) sets where its sequence space starts and, for a SYN,
 * whether both ends scale their windows.
 */
static void track_first(struct engine *eng, struct eng_pdesc *pd, struct pf_state_peer *src,
                        struct pf_state_peer *dst, struct tcp_seg *t, bool *copyback)
{
        uint8_t f = pd->pd_tcpflags;

        if (dst->seqdiff && !src->seqdiff) {
                /* Modulation of the responder starts with its first segment. */
                src->seqdiff = eng_random32(eng);
                t->ack = pd->pd_ack - dst->seqdiff;
                tcp_set32(pd, 4, t->seq + src->seqdiff);
                tcp_set32(pd, 8, t->ack);
                *copyback = true;
        } else {
                t->ack = pd->pd_ack;
        }
        t->end = t->seq + pd->pd_plen;
        if (f & ENG_TH_SYN) {
                t->end++;
                if (dst->wscale & PF_WSCALE_FLAG) {
                        src->wscale = eng_tcp_wscale(pd);
                        if (src->wscale & PF_WSCALE_FLAG) {
                                t->sws = src->wscale & PF_WSCALE_MASK;
                                t->win = (t->win + (1u << t->sws) - 1) >> t->sws;
                                t->dws = dst->wscale & PF_WSCALE_MASK;
                        } else {
                                /* The other side may not scale: its window
                                 * was real after all. */
                                uint32_t w = (uint32_t)dst->max_win
                                             << (dst->wscale & PF_WSCALE_MASK);
                                dst->max_win = (uint16_t)(w > PF_TCP_MAXWIN ? PF_TCP_MAXWIN : w);
                                dst->wscale = 0;
                        }
                }
        }
        if (f & ENG_TH_FIN)
                t->end++;
        src->seqlo = t->seq;
        if (src->state < PF_TCPS_SYN_SENT)
                src->state = PF_TCPS_SYN_SENT;
        uint32_t w = (uint32_t)dst->max_win << t->dws;
        if (w < 1)
                w = 1;
        if (src->seqhi == 1 || SEQ_GEQ(t->end + w, src->seqhi))
                src->seqhi = t->end + w;
        if (t->win > src->max_win)
                src->max_win = (uint16_t)t->win;
}

/* A later segment: modulated numbers back into the sender's space. */
static void track_later(struct eng_pdesc *pd, const struct pf_state_peer *src,
                        const struct pf_state_peer *dst, struct tcp_seg *t, bool *copyback)
{
        t->ack = pd->pd_ack - dst->seqdiff;
        if (src->seqdiff || dst->seqdiff) {
                tcp_set32(pd, 4, t->seq + src->seqdiff);
                tcp_set32(pd, 8, t->ack);
                *copyback = true;
        }
        t->end = t->seq + pd->pd_plen;
        if (pd->pd_tcpflags & ENG_TH_SYN)
                t->end++;
        if (pd->pd_tcpflags & ENG_TH_FIN)
                t->end++;
}

/* pf's window test: the segment fits what the receiver allowed, is not
 * more than a window back, and acks within a window either way. */
static bool in_window(const struct engine *eng, const struct pf_state_peer *src,
                      const struct pf_state_peer *dst, const struct tcp_seg *t, uint8_t f,
                      uint32_t orig_seq)
{
        int32_t ackskew = (int32_t)(dst->seqlo - t->ack);

        return SEQ_GEQ(src->seqhi, t->end) &&
               /* not more than one window back (retransmissions) */
               SEQ_GEQ(t->seq, src->seqlo - ((uint32_t)dst->max_win << t->dws)) &&
               /* acking not more than one window of fragments back or forward */
               ackskew >= -PF_MAXACKWINDOW && ackskew <= (PF_MAXACKWINDOW << t->sws) &&
               /* with reassembly on, a RST must hit the expected sequence */
               ((f & ENG_TH_RST) == 0 || orig_seq == src->seqlo || orig_seq == src->seqlo + 1 ||
                orig_seq + 1 == src->seqlo || !eng->scrub);
}

/* A segment in the window moves the peers' states along. */
static void track_accept(struct engine *eng, struct pf_state *s, struct pf_state_peer *src,
                         struct pf_state_peer *dst, const struct tcp_seg *t, uint8_t f)
{
        advance_window(src, dst, t->end, t->ack, t->win, t->sws);
        if ((f & ENG_TH_SYN) && src->state < PF_TCPS_SYN_SENT)
                src->state = PF_TCPS_SYN_SENT;
        if ((f & ENG_TH_FIN) && src->state < PF_TCPS_CLOSING)
                src->state = PF_TCPS_CLOSING;
        if (f & ENG_TH_ACK) {
                if (dst->state == PF_TCPS_SYN_SENT)
                        dst->state = PF_TCPS_ESTABLISHED;
                else if (dst->state == PF_TCPS_CLOSING)
                        dst->state = PF_TCPS_FIN_WAIT_2;
        }
        if (f & ENG_TH_RST)
                src->state = dst->state = PF_TCPS_TIME_WAIT;
        s->expire_s = eng->now_s;
        update_timeout(s, src, dst);
}

int eng_tcp_track(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd, int *reason,
                  bool *copyback)
{
        bool from_src = pd->pd_dir == s->direction;
        struct pf_state_peer *src = from_src ? &s->src : &s->dst;
        struct pf_state_peer *dst = from_src ? &s->dst : &s->src;
        uint8_t f = pd->pd_tcpflags;
        uint32_t orig_seq = pd->pd_seq;
        struct tcp_seg t = {.seq = pd->pd_seq, .win = pd->pd_win};

        if (s->flags & ENG_SF_SLOPPY)
                return track_sloppy(eng, s, pd);
        if (src->wscale && dst->wscale && !(f & ENG_TH_SYN)) {
                t.sws = src->wscale & PF_WSCALE_MASK;
                t.dws = dst->wscale & PF_WSCALE_MASK;
        }
        if (src->seqlo == 0)
                track_first(eng, pd, src, dst, &t, copyback);
        else
                track_later(pd, src, dst, &t, copyback);

        if ((f & ENG_TH_ACK) == 0) {
                /* No ack to check: let it pass the skew test. */
                t.ack = dst->seqlo;
        } else if ((t.ack == 0 && (f & (ENG_TH_ACK | ENG_TH_RST)) == (ENG_TH_ACK | ENG_TH_RST)) ||
                   dst->state < PF_TCPS_SYN_SENT) {
                /* Stacks that ack nothing on RST, or before the peer spoke. */
                t.ack = dst->seqlo;
        }
        if (t.seq == t.end) {
                /* Segments without data or SYN/FIN are only checked for acks. */
                t.seq = src->seqlo;
                t.end = t.seq;
        }
        if (in_window(eng, src, dst, &t, f, orig_seq)) {
                track_accept(eng, s, src, dst, &t, f);
                return ENG_PASS;
        }
        if ((dst->state < PF_TCPS_SYN_SENT || dst->state >= PF_TCPS_FIN_WAIT_2 ||
             src->state >= PF_TCPS_FIN_WAIT_2) &&
            SEQ_GEQ(src->seqhi + PF_MAXACKWINDOW, t.end) &&
            SEQ_GEQ(t.seq, src->seqlo - PF_MAXACKWINDOW)) {
                /*
                 * Loose tracking, as pf: SYNs shotgunned before the peer
                 * answered, a connection picked up after the table was
                 * flushed, stray segments right after a close. Passed
                 * without refreshing the state's expiry.
                 */
                advance_window(src, dst, t.end, t.ack, t.win, t.sws);
                if ((f & ENG_TH_FIN) && src->state < PF_TCPS_CLOSING)
                        src->state = PF_TCPS_CLOSING;
                if (f & ENG_TH_RST)
                        src->state = dst->state = PF_TCPS_TIME_WAIT;
                return ENG_PASS;
        }
        if (dst->state == PF_TCPS_SYN_SENT && src->state == PF_TCPS_SYN_SENT) {
                /* Mismatch during the handshake: forget this side's start
                 * so a fresh SYN can resynchronise it. */
                src->seqlo = 0;
                src->seqhi = 1;
                src->max_win = 1;
        }
        *reason = ENG_RES_BADSTATE;
        return ENG_DROP;
}
