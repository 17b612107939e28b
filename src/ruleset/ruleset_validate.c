/*
 * ruleset_validate(): the engine's gate for a compiled ruleset. The blob comes
 * from the host and is treated as hostile: every read is preceded by a bounds
 * check, all arithmetic on offsets and counts is done in 64 bits, and nothing
 * is dereferenced before its section has been proved to lie inside the blob.
 */
#include "ruleset_int.h"

/* Element size of each section (strings are counted in bytes). */
static const uint32_t ruleset_sec_elem[RULESET_SEC_COUNT] = {
    [RULESET_SEC_OPTIONS] = sizeof(struct ruleset_options),
    [RULESET_SEC_STRINGS] = 1,
    [RULESET_SEC_IFACES] = sizeof(struct ruleset_iface),
    [RULESET_SEC_TABLES] = sizeof(struct ruleset_table),
    [RULESET_SEC_TENTRIES] = sizeof(struct ruleset_tentry),
    [RULESET_SEC_SCRUB] = sizeof(struct ruleset_rule),
    [RULESET_SEC_TRANS] = sizeof(struct ruleset_trans),
    [RULESET_SEC_FILTER] = sizeof(struct ruleset_rule),
    [RULESET_SEC_ANCHORS] = sizeof(struct ruleset_anchor),
    [RULESET_SEC_POOLS] = sizeof(struct ruleset_pool_entry),
    [RULESET_SEC_QUEUES] = sizeof(struct ruleset_queue),
    [RULESET_SEC_ETHER] = sizeof(struct ruleset_eth_rule),
    [RULESET_SEC_XLATE] = sizeof(struct ruleset_trans),
    [RULESET_SEC_LIMITERS] = sizeof(struct ruleset_limiter),
};

static void ruleset_zero_view(struct ruleset_view *v)
{
        unsigned char *p = (unsigned char *)v;
        size_t i;

        for (i = 0; i < sizeof(*v); i++)
                p[i] = 0;
}

static int ruleset_check_header(const uint8_t *base, size_t len, uint32_t *where)
{
        const struct ruleset_header *h = (const struct ruleset_header *)base;

        *where = 0;
        if (h->rh_magic != RULESET_MAGIC)
                return RULESET_E_BAD_MAGIC;
        if (h->rh_version != RULESET_VERSION || h->rh_hdr_size != sizeof(*h))
                return RULESET_E_BAD_VERSION;
        if (h->rh_total_len > len)
                return RULESET_E_TRUNCATED;
        if (h->rh_total_len != len)
                return RULESET_E_BAD_LENGTH;
        if (h->rh_flags != 0)
                return RULESET_E_RESERVED;
        return RULESET_OK;
}

/* Each section inside the blob, aligned, after the header, within count limits. */
static int ruleset_check_sections(const struct ruleset_header *h, uint32_t *where)
{
        uint32_t i, j;

        for (i = 0; i < RULESET_SEC_COUNT; i++) {
                const struct ruleset_section *s = &h->rh_sec[i];
                uint64_t bytes = (uint64_t)s->rs_count * ruleset_sec_elem[i];

                *where = (uint32_t)(sizeof(uint32_t) * 4 + i * sizeof(*s));
                if (s->rs_off % RULESET_ALIGN != 0)
                        return RULESET_E_ALIGN;
                if (s->rs_off < sizeof(*h) || s->rs_off > h->rh_total_len)
                        return RULESET_E_BAD_OFFSET;
                if (bytes > (uint64_t)h->rh_total_len - s->rs_off)
                        return RULESET_E_COUNT_OVERFLOW;
        }
        if (h->rh_sec[RULESET_SEC_OPTIONS].rs_count != 1) {
                *where = (uint32_t)(sizeof(uint32_t) * 4);
                return RULESET_E_COUNT_OVERFLOW;
        }
        if (h->rh_sec[RULESET_SEC_IFACES].rs_count > RULESET_MAX_IFACES ||
            h->rh_sec[RULESET_SEC_TABLES].rs_count > RULESET_MAX_TABLES)
                return RULESET_E_COUNT_OVERFLOW;
        /* Sections are read independently, so they must not share bytes. */
        for (i = 0; i < RULESET_SEC_COUNT; i++) {
                uint64_t a0 = h->rh_sec[i].rs_off;
                uint64_t a1 = a0 + (uint64_t)h->rh_sec[i].rs_count * ruleset_sec_elem[i];

                for (j = i + 1; j < RULESET_SEC_COUNT; j++) {
                        uint64_t b0 = h->rh_sec[j].rs_off;
                        uint64_t b1 = b0 + (uint64_t)h->rh_sec[j].rs_count * ruleset_sec_elem[j];

                        if (a0 == a1 || b0 == b1)
                                continue;
                        if (a0 < b1 && b0 < a1) {
                                *where = (uint32_t)b0;
                                return RULESET_E_OVERLAP;
                        }
                }
        }
        return RULESET_OK;
}

static void ruleset_fill_view(const uint8_t *base, struct ruleset_view *v)
{
        const struct ruleset_header *h = (const struct ruleset_header *)base;
        const struct ruleset_section *s = h->rh_sec;

        v->rv_hdr = h;
        v->rv_opts = (const struct ruleset_options *)(base + s[RULESET_SEC_OPTIONS].rs_off);
        v->rv_strings = (const char *)(base + s[RULESET_SEC_STRINGS].rs_off);
        v->rv_strings_len = s[RULESET_SEC_STRINGS].rs_count;
        v->rv_ifaces = (const struct ruleset_iface *)(base + s[RULESET_SEC_IFACES].rs_off);
        v->rv_n_ifaces = s[RULESET_SEC_IFACES].rs_count;
        v->rv_tables = (const struct ruleset_table *)(base + s[RULESET_SEC_TABLES].rs_off);
        v->rv_n_tables = s[RULESET_SEC_TABLES].rs_count;
        v->rv_tentries = (const struct ruleset_tentry *)(base + s[RULESET_SEC_TENTRIES].rs_off);
        v->rv_n_tentries = s[RULESET_SEC_TENTRIES].rs_count;
        v->rv_scrub = (const struct ruleset_rule *)(base + s[RULESET_SEC_SCRUB].rs_off);
        v->rv_n_scrub = s[RULESET_SEC_SCRUB].rs_count;
        v->rv_trans = (const struct ruleset_trans *)(base + s[RULESET_SEC_TRANS].rs_off);
        v->rv_n_trans = s[RULESET_SEC_TRANS].rs_count;
        v->rv_filter = (const struct ruleset_rule *)(base + s[RULESET_SEC_FILTER].rs_off);
        v->rv_n_filter = s[RULESET_SEC_FILTER].rs_count;
        v->rv_anchors = (const struct ruleset_anchor *)(base + s[RULESET_SEC_ANCHORS].rs_off);
        v->rv_n_anchors = s[RULESET_SEC_ANCHORS].rs_count;
        v->rv_pool = (const struct ruleset_pool_entry *)(base + s[RULESET_SEC_POOLS].rs_off);
        v->rv_n_pool = s[RULESET_SEC_POOLS].rs_count;
        v->rv_queues = (const struct ruleset_queue *)(base + s[RULESET_SEC_QUEUES].rs_off);
        v->rv_n_queues = s[RULESET_SEC_QUEUES].rs_count;
        v->rv_ether = (const struct ruleset_eth_rule *)(base + s[RULESET_SEC_ETHER].rs_off);
        v->rv_n_ether = s[RULESET_SEC_ETHER].rs_count;
        v->rv_xlate = (const struct ruleset_trans *)(base + s[RULESET_SEC_XLATE].rs_off);
        v->rv_n_xlate = s[RULESET_SEC_XLATE].rs_count;
        v->rv_limiters = (const struct ruleset_limiter *)(base + s[RULESET_SEC_LIMITERS].rs_off);
        v->rv_n_limiters = s[RULESET_SEC_LIMITERS].rs_count;
}

static int ruleset_check_strings(struct ruleset_vctx *ctx)
{
        const struct ruleset_view *v = ctx->view;

        /* A final NUL bounds every string: scans stop there at the latest. */
        if (v->rv_strings_len > 0 && v->rv_strings[v->rv_strings_len - 1] != '\0') {
                ctx->where = ruleset_off(ctx, v->rv_strings + v->rv_strings_len - 1);
                return RULESET_E_BAD_STRING;
        }
        return RULESET_OK;
}

int ruleset_validate(const void *blob, size_t len, struct ruleset_view *out, uint32_t *where)
{
        struct ruleset_view view;
        struct ruleset_vctx ctx;
        uint32_t at = 0;
        int err;

        ruleset_zero_view(&view);
        if (out != NULL)
                ruleset_zero_view(out);
        if (blob == NULL || len < sizeof(struct ruleset_header)) {
                err = RULESET_E_TRUNCATED;
                goto out;
        }
        if ((uintptr_t)blob % RULESET_ALIGN != 0) {
                err = RULESET_E_ALIGN;
                goto out;
        }
        if (len > RULESET_MAX_LEN) {
                err = RULESET_E_BAD_LENGTH;
                goto out;
        }
        if ((err = ruleset_check_header(blob, len, &at)) != RULESET_OK)
                goto out;
        if ((err = ruleset_check_sections(blob, &at)) != RULESET_OK)
                goto out;

        ruleset_fill_view(blob, &view);
        ctx.base = blob;
        ctx.view = &view;
        ctx.where = 0;
        for (unsigned k = 0; k < sizeof(ctx.lim_ids); k++)
                ((uint8_t *)ctx.lim_ids)[k] = 0;
        if ((err = ruleset_check_strings(&ctx)) != RULESET_OK ||
            (err = ruleset_check_options(&ctx)) != RULESET_OK ||
            (err = ruleset_check_anchors(&ctx)) != RULESET_OK ||
            (err = ruleset_check_ifaces(&ctx)) != RULESET_OK ||
            (err = ruleset_check_pool_section(&ctx)) != RULESET_OK ||
            (err = ruleset_check_queues(&ctx)) != RULESET_OK ||
            (err = ruleset_check_tables(&ctx)) != RULESET_OK ||
            (err = ruleset_check_limiters(&ctx)) != RULESET_OK ||
            (err = ruleset_check_ether(&ctx)) != RULESET_OK ||
            (err = ruleset_check_rules(&ctx, view.rv_scrub, view.rv_n_scrub, 1)) != RULESET_OK ||
            (err = ruleset_check_trans(&ctx)) != RULESET_OK ||
            (err = ruleset_check_rules(&ctx, view.rv_filter, view.rv_n_filter, 0)) != RULESET_OK) {
                at = ctx.where;
                goto out;
        }
        if (out != NULL)
                *out = view;
out:
        if (where != NULL)
                *where = err == RULESET_OK ? 0 : at;
        return err;
}
