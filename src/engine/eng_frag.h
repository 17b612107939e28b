/*
 * Fragment reassembly queues (included by eng_internal.h, whose types it uses).
 */
#ifndef MOAT_ENG_FRAG_H
#define MOAT_ENG_FRAG_H

/* ---- fragments ------------------------------------------------------------- */

#define ENG_FRAG_MAXLEN    65535 /* reassembled IP payload */
#define ENG_FRAG_ENTRY_MAX 64    /* fragments per datagram (pf's entry limit) */
struct eng_frag_ent {
        uint16_t off, len;
};
struct eng_fragq {
        bool used;
        uint8_t af, proto;
        bool have_last;
        uint32_t id;
        struct eng_addr src, dst;
        uint32_t expire_s;
        uint32_t total; /* payload length, known once the last arrived */
        uint32_t nent;
        uint32_t hdrlen;  /* unfragmentable part kept from the first fragment */
        uint16_t maxfrag; /* largest fragment payload, for refragmenting */
        uint32_t age;     /* creation order: the oldest is given up first */
        struct eng_frag_ent ent[ENG_FRAG_ENTRY_MAX];
        uint8_t *buf; /* hdr space (up to 128 + 40 bytes) then payload */
};
#define ENG_FRAG_HDRMAX 256
#define ENG_FRAGBUF     ((ENG_FRAG_HDRMAX + ENG_FRAG_MAXLEN + 63) & ~63)
/*
 * Feeds a fragment. Returns 0 and leaves *done NULL while incomplete; on
 * completion *done points to a buffer holding the whole IP packet
 * (length *donelen) valid until the next call. Nonzero: reason to drop.
 */
int eng_frag_input(struct engine *eng, struct eng_pdesc *pd, uint8_t **done, uint32_t *donelen);
void eng_frag_expire(struct engine *eng);
/* Sends a packet larger than the link MTU as fragments (v4 without DF, or
 * a v6 datagram we reassembled). Returns true if sent. */
bool eng_frag_output(struct engine *eng, const struct eng_nexthop *nh, struct eng_pdesc *pd,
                     uint32_t mtu);

#endif
