/*
 * Accessors for a validated view and error strings. They assume the view came
 * from ruleset_validate() and still check ranges, so a stale or zeroed view
 * yields "" rather than a wild read.
 */
#include "ruleset_int.h"

static const char *const ruleset_errstr[RULESET_E_MAX] = {
    [RULESET_OK] = "ok",
    [RULESET_E_TRUNCATED] = "truncated ruleset",
    [RULESET_E_BAD_MAGIC] = "not a ruleset (bad magic)",
    [RULESET_E_BAD_VERSION] = "unsupported ruleset version",
    [RULESET_E_BAD_LENGTH] = "ruleset length mismatch or too large",
    [RULESET_E_ALIGN] = "misaligned ruleset or section",
    [RULESET_E_BAD_OFFSET] = "section offset out of bounds",
    [RULESET_E_COUNT_OVERFLOW] = "section count out of bounds",
    [RULESET_E_OVERLAP] = "sections overlap",
    [RULESET_E_BAD_STRING] = "bad string reference",
    [RULESET_E_BAD_INDEX] = "bad interface, table or rule index",
    [RULESET_E_BAD_ENUM] = "enum value out of range",
    [RULESET_E_BAD_VALUE] = "inconsistent field value",
    [RULESET_E_RESERVED] = "reserved field not zero",
};

const char *ruleset_strerror(int err)
{
        if (err < 0 || err >= RULESET_E_MAX)
                return "unknown ruleset error";
        return ruleset_errstr[err];
}

int ruleset_strlen_ok(const struct ruleset_view *v, uint32_t ref, uint32_t max)
{
        uint32_t i;

        if (ref >= v->rv_strings_len)
                return -1;
        for (i = ref; i < v->rv_strings_len; i++) {
                if (v->rv_strings[i] == '\0')
                        break;
                if (max != 0 && i - ref + 1 >= max)
                        return -1;
        }
        if (i >= v->rv_strings_len)
                return -1;
        return (int)(i - ref);
}

const char *ruleset_str(const struct ruleset_view *v, uint32_t ref)
{
        if (v == NULL || ref == RULESET_NONE || ruleset_strlen_ok(v, ref, 0) < 0)
                return "";
        return v->rv_strings + ref;
}

const char *ruleset_ifname(const struct ruleset_view *v, uint32_t idx)
{
        if (v == NULL || idx >= v->rv_n_ifaces)
                return "";
        return ruleset_str(v, v->rv_ifaces[idx].if_name);
}
