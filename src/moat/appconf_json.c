/*
 * Appliance configs written in JSON: the document is parsed with json-c and
 * turned into the libconfig tree the one config walker reads, so both
 * syntaxes mean exactly the same and are checked the same way. Settings
 * made here carry no line numbers; their errors name the setting's path.
 */
#include "appconf_json.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *file, const char *path, const char *what)
{
        snprintf(err, errlen, "%s: %s%s%s", file, path, *path ? ": " : "", what);
        return -1;
}

static int add(config_setting_t *parent, const char *name, json_object *v, const char *file,
               const char *path, char *err, size_t errlen);

static int add_array(config_setting_t *arr, json_object *v, const char *file, const char *path,
                     char *err, size_t errlen)
{
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *e = json_object_array_get_idx(v, i);
                if (!json_object_is_type(e, json_type_string))
                        return fail(err, errlen, file, path, "arrays hold strings only");
                if (config_setting_set_string_elem(arr, -1, json_object_get_string(e)) == NULL)
                        return fail(err, errlen, file, path, "cannot hold this array");
        }
        return 0;
}

static int add_group(config_setting_t *g, json_object *v, const char *file, const char *path,
                     char *err, size_t errlen)
{
        json_object_object_foreach(v, key, val)
        {
                char sub[256];
                snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
                if (add(g, key, val, file, sub, err, errlen) < 0)
                        return -1;
        }
        return 0;
}

static int add(config_setting_t *parent, const char *name, json_object *v, const char *file,
               const char *path, char *err, size_t errlen)
{
        int type;
        switch (json_object_get_type(v)) {
        case json_type_object:
                type = CONFIG_TYPE_GROUP;
                break;
        case json_type_array:
                type = CONFIG_TYPE_ARRAY;
                break;
        case json_type_string:
                type = CONFIG_TYPE_STRING;
                break;
        case json_type_boolean:
                type = CONFIG_TYPE_BOOL;
                break;
        case json_type_int:
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
                return config_setting_set_string(s, json_object_get_string(v)) == CONFIG_TRUE
                           ? 0
                           : fail(err, errlen, file, path, "bad string");
        case CONFIG_TYPE_BOOL:
                config_setting_set_bool(s, json_object_get_boolean(v));
                return 0;
        default:
                config_setting_set_int64(s, json_object_get_int64(v));
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
        json_tokener *tok = json_tokener_new();
        if (tok == NULL)
                return fail(err, errlen, file, "", "out of memory");
        json_object *root = json_tokener_parse_ex(tok, text, (int)len);
        enum json_tokener_error je = json_tokener_get_error(tok);
        size_t off = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (root == NULL || je != json_tokener_success ||
            text[off + strspn(text + off, " \t\r\n")]) {
                /* FILE:LINE like every other config error. */
                unsigned line = 1;
                for (size_t i = 0; i < off && i < len; i++)
                        line += text[i] == '\n';
                snprintf(err, errlen, "%s:%u: %s", file, line,
                         root == NULL || je != json_tokener_success
                             ? json_tokener_error_desc(je)
                             : "text after the JSON document");
                json_object_put(root);
                return -1;
        }
        int rc = json_object_is_type(root, json_type_object)
                     ? add_group(config_root_setting(cf), root, file, "", err, errlen)
                     : fail(err, errlen, file, "", "a JSON config is one object");
        json_object_put(root);
        return rc;
}
