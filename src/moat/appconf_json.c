/*
 * Appliance configs written in JSON: the document is parsed with jansson
 * and turned into the libconfig tree the one config walker reads, so both
 * syntaxes mean exactly the same and are checked the same way. Settings
 * made here carry no line numbers; their errors name the setting's path.
 * jansson rather than json-c (which the control socket uses): it refuses
 * a key given twice (JSON_REJECT_DUPLICATES; json-c keeps the last one
 * silently, so a config could say one thing and do another) and names the
 * line of every syntax error, a truncated document included.
 */
#include "appconf_json.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *file, const char *path, const char *what)
{
        snprintf(err, errlen, "%s: %s%s%s", file, path, *path ? ": " : "", what);
        return -1;
}

static int add(config_setting_t *parent, const char *name, json_t *v, const char *file,
               const char *path, char *err, size_t errlen);

static int add_array(config_setting_t *arr, json_t *v, const char *file, const char *path,
                     char *err, size_t errlen)
{
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
                if (!json_is_string(e))
                        return fail(err, errlen, file, path, "arrays hold strings only");
                if (config_setting_set_string_elem(arr, -1, json_string_value(e)) == NULL)
                        return fail(err, errlen, file, path, "cannot hold this array");
        }
        return 0;
}

static int add_group(config_setting_t *g, json_t *v, const char *file, const char *path, char *err,
                     size_t errlen)
{
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val)
        {
                char sub[256];
                snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
                if (add(g, key, val, file, sub, err, errlen) < 0)
                        return -1;
        }
        return 0;
}

static int add(config_setting_t *parent, const char *name, json_t *v, const char *file,
               const char *path, char *err, size_t errlen)
{
        int type;
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                type = CONFIG_TYPE_GROUP;
                break;
        case JSON_ARRAY:
                type = CONFIG_TYPE_ARRAY;
                break;
        case JSON_STRING:
                type = CONFIG_TYPE_STRING;
                break;
        case JSON_TRUE:
        case JSON_FALSE:
                type = CONFIG_TYPE_BOOL;
                break;
        case JSON_INTEGER:
                type = CONFIG_TYPE_INT64;
                break;
        default:
                return fail(err, errlen, file, path, "null and fractions are not settings");
        }
        if (config_setting_get_member(parent, name) != NULL)
                return fail(err, errlen, file, path, "given twice");
        /* libconfig names: a letter or '*', then letters, digits, '-', '_' or '*'. */
        config_setting_t *s = config_setting_add(parent, name, type);
        if (s == NULL)
                return fail(err, errlen, file, path, "not a valid setting name");
        switch (type) {
        case CONFIG_TYPE_GROUP:
                return add_group(s, v, file, path, err, errlen);
        case CONFIG_TYPE_ARRAY:
                return add_array(s, v, file, path, err, errlen);
        case CONFIG_TYPE_STRING:
                return config_setting_set_string(s, json_string_value(v)) == CONFIG_TRUE
                           ? 0
                           : fail(err, errlen, file, path, "bad string");
        case CONFIG_TYPE_BOOL:
                config_setting_set_bool(s, json_is_true(v));
                return 0;
        default:
                config_setting_set_int64(s, json_integer_value(v));
                return 0;
        }
}

int appconf_is_json(const char *text)
{
        text += strspn(text, " \t\r\n");
        return *text == '{';
}

int appconf_json_to_config(const char *text, size_t len, const char *file, config_t *cf, char *err,
                           size_t errlen)
{
        json_error_t je;
        /* a NUL inside a string is refused too (JSON_ALLOW_NUL is not given) */
        json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (root == NULL) {
                /* FILE:LINE like every other config error; jansson counts
                 * the end of a truncated document as its last line */
                snprintf(err, errlen, "%s:%d: %s", file, je.line > 0 ? je.line : 1, je.text);
                return -1;
        }
        int rc = json_is_object(root)
                     ? add_group(config_root_setting(cf), root, file, "", err, errlen)
                     : fail(err, errlen, file, "", "a JSON config is one object");
        json_decref(root);
        return rc;
}
