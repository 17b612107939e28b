/*
 * Fragment reassembly (pf's default; off with `set reassemble no` unless a
 * `scrub in` rule asks for it): fragments are collected per
 * datagram (v4: src, dst, id, proto; v6: src, dst, id) in a buffer carved
 * at init and the filter sees only whole datagrams. As OpenBSD does for
 * IPv6 (RFC 5722) and now for IPv4, any overlap drops the whole datagram;
 * so does a datagram of more than ENG_FRAG_ENTRY_MAX fragments or one whose
 * pieces disagree about its end. `set limit frags` bounds the fragments
 * held; when it is reached the oldest datagrams are given up first.
 */
#include "eng_internal.h"
#include "eng_cksum.h"

static void fragq_free(struct engine *eng, struct eng_fragq *q, bool count)
{
        if (count)
                eng->st.es_reason[ENG_RES_FRAG] += q->nent;
        eng->nfrags -= q->nent;
        q->used = false;
        q->nent = 0;
}

/* The oldest datagram being collected, other than keep. */
static struct eng_fragq *oldest(struct engine *eng, const struct eng_fragq *keep)
{
        struct eng_fragq *o = NULL;
        uint32_t i;

        for (i = 0; i < eng->cfg.ec_max_frag_queues; i++) {
                struct eng_fragq *q = &eng->fragq[i];

                if (q->used && q != keep && (!o || (int32_t)(q->age - o->age) < 0))
                        o = q;
        }
        return o;
}

static struct eng_fragq *fragq_get(struct engine *eng, const struct eng_pdesc *pd, uint8_t proto,
                                   bool create)
{
        struct eng_fragq *free_q = NULL;
        uint32_t i, alen = pd->pd_af == 4 ? 4 : 16;

        for (i = 0; i < eng->cfg.ec_max_frag_queues; i++) {
                struct eng_fragq *q = &eng->fragq[i];

                if (!q->used) {
                        if (!free_q)
                                free_q = q;
                        continue;
                }
                if (q->af == pd->pd_af && q->id == pd->pd_fragid &&
                    (pd->pd_af == 6 || q->proto == proto) &&
                    memcmp(q->src.ea_b, pd->pd_src.ea_b, alen) == 0 &&
                    memcmp(q->dst.ea_b, pd->pd_dst.ea_b, alen) == 0)
                        return q;
        }
        if (!create)
                return NULL;
        if (!free_q) {
                /* Every queue busy: the oldest datagram is given up. */
                free_q = oldest(eng, NULL);
                fragq_free(eng, free_q, true);
        }
        memset(free_q, 0, offsetof(struct eng_fragq, buf));
        free_q->used = true;
        free_q->af = pd->pd_af;
        free_q->proto = proto;
        free_q->id = pd->pd_fragid;
        free_q->src = pd->pd_src;
        free_q->dst = pd->pd_dst;
        free_q->expire_s = eng->now_s + eng->timeouts[ENG_TM_FRAG];
        free_q->age = eng->frag_age++;
        return free_q;
}

/* v6: offset (from the IP header) of the next-header byte that names the
 * fragment header, found by walking the unfragmentable part. */
static uint32_t v6_nh_before_frag(const uint8_t *ip, uint32_t fhoff)
{
        uint32_t nhpos = 6, off = 40;
        uint8_t nxt = ip[6];

        while (off < fhoff) {
                nhpos = off;
                nxt = ip[off];
                off += nxt == ENG_PROTO_AH ? ((uint32_t)ip[off + 1] + 2) * 4
                                           : ((uint32_t)ip[off + 1] + 1) * 8;
        }
        (void)nxt;
        return nhpos;
}

static int assemble(struct engine *eng, struct eng_fragq *q, uint8_t **done, uint32_t *donelen)
{
        uint8_t *out = eng->frag_out;
        uint32_t len = q->hdrlen + q->total;

        if ((q->af == 4 && len > 65535) || (q->af == 6 && len - 40 > 65535))
                return ENG_RES_FRAG;
        memcpy(out, q->buf, q->hdrlen);
        memcpy(out + q->hdrlen, q->buf + ENG_FRAG_HDRMAX, q->total);
        if (q->af == 4) {
                uint16_t ff = eng_rd16(out + 6) & 0x4000; /* keep DF only */

                eng_wr16(out + 2, (uint16_t)len);
                eng_wr16(out + 6, ff);
                eng_csum_ip4_set(out, q->hdrlen);
        } else {
                eng_wr16(out + 4, (uint16_t)(len - 40));
        }
        *done = out;
        *donelen = len;
        eng->frag_out_hdrlen = q->hdrlen;
        eng->frag_out_maxfrag = q->maxfrag;
        return 0;
}

int eng_frag_input(struct engine *eng, struct eng_pdesc *pd, uint8_t **done, uint32_t *donelen)
{
        const uint8_t *ip = pd->pd_buf + pd->pd_l3;
        uint32_t start, len, off = pd->pd_fragoff, i, sum = 0, end;
        uint8_t proto;
        struct eng_fragq *q;
        bool have_first = false;
        int r;

        *done = NULL;
        if (pd->pd_af == 4) {
                start = pd->pd_l4;
                proto = pd->pd_proto;
        } else {
                start = pd->pd_fragoff_hdr + 8;
                proto = pd->pd_buf[pd->pd_fragoff_hdr];
        }
        len = pd->pd_l3 + pd->pd_tot - start;
        end = off + len;
        /* Every fragment but the last carries a multiple of 8 bytes. */
        if ((pd->pd_mf && (len == 0 || (len & 7))) || end > ENG_FRAG_MAXLEN)
                return ENG_RES_FRAG;
        q = fragq_get(eng, pd, proto, false);
        while (eng->nfrags >= eng->cfg.ec_max_frags) {
                /* At the limit: give up other datagrams, oldest first. */
                struct eng_fragq *o = oldest(eng, q);

                if (!o)
                        break;
                fragq_free(eng, o, true);
        }
        if (eng->nfrags >= eng->cfg.ec_max_frags) {
                if (q)
                        fragq_free(eng, q, true);
                return ENG_RES_MEMORY;
        }
        if (!q)
                q = fragq_get(eng, pd, proto, true);
        if (q->nent >= ENG_FRAG_ENTRY_MAX)
                goto drop_queue; /* too many fragments for one datagram */
        for (i = 0; i < q->nent; i++) {
                uint32_t s = q->ent[i].off, e = s + q->ent[i].len;

                if (off < e && s < end)
                        goto drop_queue; /* overlap */
                if (q->have_last && end > q->total)
                        goto drop_queue;
        }
        if (!pd->pd_mf) {
                if (q->have_last && q->total != end)
                        goto drop_queue;
                for (i = 0; i < q->nent; i++)
                        if ((uint32_t)q->ent[i].off + q->ent[i].len > end)
                                goto drop_queue;
                q->have_last = true;
                q->total = end;
        } else if (q->have_last && end > q->total) {
                goto drop_queue;
        }
        if (off == 0) {
                uint32_t hl = start - pd->pd_l3;

                if (pd->pd_af == 6)
                        hl = pd->pd_fragoff_hdr - pd->pd_l3; /* drop the fragment header */
                if (hl > ENG_FRAG_HDRMAX)
                        goto drop_queue;
                memcpy(q->buf, ip, hl);
                if (pd->pd_af == 6)
                        q->buf[v6_nh_before_frag(ip, hl)] = proto;
                q->hdrlen = hl;
        }
        memcpy(q->buf + ENG_FRAG_HDRMAX + off, pd->pd_buf + start, len);
        if (len > q->maxfrag)
                q->maxfrag = (uint16_t)len;
        q->ent[q->nent].off = (uint16_t)off;
        q->ent[q->nent].len = (uint16_t)len;
        q->nent++;
        eng->nfrags++;

        for (i = 0; i < q->nent; i++) {
                sum += q->ent[i].len;
                if (q->ent[i].off == 0)
                        have_first = true;
        }
        if (!q->have_last || !have_first || sum != q->total)
                return 0;
        r = assemble(eng, q, done, donelen);
        fragq_free(eng, q, false);
        return r;

drop_queue:
        fragq_free(eng, q, true);
        return ENG_RES_FRAG;
}

void eng_frag_expire(struct engine *eng)
{
        uint32_t i;

        /* No fragment held, no queue in use: the queues (1.6 KB apart) stay untouched. */
        if (eng->nfrags == 0)
                return;

        for (i = 0; i < eng->cfg.ec_max_frag_queues; i++) {
                struct eng_fragq *q = &eng->fragq[i];

                if (q->used && (int32_t)(eng->now_s - q->expire_s) >= 0)
                        fragq_free(eng, q, true);
        }
}

/* Emits [hdr | payload slice] pieces through the neighbor layer. */
bool eng_frag_output(struct engine *eng, const struct eng_nexthop *nh, struct eng_pdesc *pd,
                     uint32_t mtu)
{
        const uint8_t *ip = pd->pd_buf + pd->pd_l3;
        uint8_t piece[ENG_PENDING_BUF];
        uint32_t hl, plen, chunk, off;

        if (mtu > ENG_PENDING_BUF)
                mtu = ENG_PENDING_BUF;
        if (pd->pd_af == 4) {
                hl = (uint32_t)(ip[0] & 0x0f) * 4;
                plen = pd->pd_tot - hl;
                chunk = (mtu - hl) & ~7u;
                for (off = 0; off < plen; off += chunk) {
                        uint32_t n = plen - off < chunk ? plen - off : chunk;
                        bool more = off + n < plen;

                        memcpy(piece, ip, hl);
                        memcpy(piece + hl, ip + hl + off, n);
                        eng_wr16(piece + 2, (uint16_t)(hl + n));
                        eng_wr16(piece + 6, (uint16_t)((more ? 0x2000 : 0) | (off >> 3)));
                        eng_csum_ip4_set(piece, hl);
                        eng_output_ip(eng, nh, 4, piece, hl + n, 0);
                }
                return true;
        }
        /* v6: only datagrams we reassembled, cut as their sender cut them
         * (pf_refragment6), never larger than the link allows. */
        hl = pd->pd_reass_hdrlen;
        if (!hl || hl + 8 + 8 > mtu)
                return false;
        plen = pd->pd_tot - hl;
        chunk = (mtu - hl - 8) & ~7u;
        if (pd->pd_reass_maxfrag && pd->pd_reass_maxfrag < chunk)
                chunk = pd->pd_reass_maxfrag & ~7u;
        if (chunk == 0)
                return false;
        {
                /* the next-header byte naming the payload moves into the
                 * fragment header; the one before it names the fragment */
                uint32_t nhpos = 6, o = 40;
                uint8_t inner;

                while (o < hl) {
                        nhpos = o;
                        o += ip[o] == ENG_PROTO_AH ? ((uint32_t)ip[o + 1] + 2) * 4
                                                   : ((uint32_t)ip[o + 1] + 1) * 8;
                }
                inner = ip[nhpos];
                for (off = 0; off < plen; off += chunk) {
                        uint32_t n = plen - off < chunk ? plen - off : chunk;
                        bool more = off + n < plen;
                        uint8_t *fh = piece + hl;

                        memcpy(piece, ip, hl);
                        piece[nhpos] = ENG_PROTO_FRAGMENT;
                        eng_wr16(piece + 4, (uint16_t)(hl - 40 + 8 + n));
                        fh[0] = inner;
                        fh[1] = 0;
                        eng_wr16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
                        eng_wr32(fh + 4, pd->pd_fragid);
                        memcpy(fh + 8, ip + hl + off, n);
                        eng_output_ip(eng, nh, 6, piece, hl + 8 + n, 0);
                }
        }
        return true;
}
