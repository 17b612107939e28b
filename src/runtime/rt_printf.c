#include <stdint.h>

#include "rt_string.h"

struct out {
        char *buf;
        size_t size;
        size_t len; /* what the full output would be */
};

static void put(struct out *o, char c)
{
        if (o->len + 1 < o->size)
                o->buf[o->len] = c;
        o->len++;
}

static void pad(struct out *o, char c, int n)
{
        while (n-- > 0)
                put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };

static void emit_str(struct out *o, const char *s, int flags, int width, int prec)
{
        if (s == NULL)
                s = "(null)";
        size_t n = prec >= 0 ? rt_strnlen(s, (size_t)prec) : rt_strlen(s);
        int padn = width > (int)n ? width - (int)n : 0;
        if (!(flags & F_LEFT))
                pad(o, ' ', padn);
        for (size_t i = 0; i < n; i++)
                put(o, s[i]);
        if (flags & F_LEFT)
                pad(o, ' ', padn);
}

static void emit_num(struct out *o, uint64_t v, int neg, unsigned base, int upper, int flags,
                     int width, int prec)
{
        const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        char tmp[24];
        int n = 0;
        int is_zero = v == 0;
        while (v) {
                tmp[n++] = digits[v % base];
                v /= base;
        }
        if (prec < 0 && n == 0)
                tmp[n++] = '0';
        int zeros = prec > n ? prec - n : 0;
        const char *prefix = "";
        if (neg)
                prefix = "-";
        else if (flags & F_PLUS)
                prefix = "+";
        else if (flags & F_SPACE)
                prefix = " ";
        else if ((flags & F_ALT) && base == 16 && !is_zero)
                prefix = upper ? "0X" : "0x";
        else if ((flags & F_ALT) && base == 8 && zeros == 0)
                zeros = 1;
        int plen = (int)rt_strlen(prefix);
        int total = plen + zeros + n;
        int padn = width > total ? width - total : 0;
        if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0) {
                zeros += padn;
                padn = 0;
        }
        if (!(flags & F_LEFT))
                pad(o, ' ', padn);
        for (int i = 0; i < plen; i++)
                put(o, prefix[i]);
        pad(o, '0', zeros);
        while (n > 0)
                put(o, tmp[--n]);
        if (flags & F_LEFT)
                pad(o, ' ', padn);
}

/* A directive's flags, width, precision and length modifier. */
struct spec {
        int flags;
        int width;
        int prec; /* -1: none given */
        int lng;  /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
};

/*
 * Reads a directive from just after its '%' up to its conversion character,
 * to which it returns a pointer; a '*' width or precision is taken from ap.
 */
static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
        int flags = 0;
        for (;; fmt++) {
                if (*fmt == '-')
                        flags |= F_LEFT;
                else if (*fmt == '0')
                        flags |= F_ZERO;
                else if (*fmt == '+')
                        flags |= F_PLUS;
                else if (*fmt == ' ')
                        flags |= F_SPACE;
                else if (*fmt == '#')
                        flags |= F_ALT;
                else
                        break;
        }
        int width = 0, prec = -1;
        if (*fmt == '*') {
                width = va_arg(*ap, int);
                if (width < 0) {
                        flags |= F_LEFT;
                        width = -width;
                }
                fmt++;
        } else {
                while (*fmt >= '0' && *fmt <= '9' && width < 10000)
                        width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
                fmt++;
                prec = 0;
                if (*fmt == '*') {
                        prec = va_arg(*ap, int);
                        fmt++;
                } else {
                        while (*fmt >= '0' && *fmt <= '9' && prec < 10000)
                                prec = prec * 10 + (*fmt++ - '0');
                }
        }
        int lng = 0;
        for (;; fmt++) {
                if (*fmt == 'l')
                        lng = lng == 1 ? 2 : 1;
                else if (*fmt == 'h')
                        lng = lng == -1 ? -2 : -1;
                else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
                        lng = 3;
                else
                        break;
        }
        *sp = (struct spec){.flags = flags, .width = width, .prec = prec, .lng = lng};
        return fmt;
}

/* The argument of a signed conversion, of the size lng says. */
static int64_t arg_signed(int lng, va_list *ap)
{
        int64_t v;
        if (lng == 1 || lng == 2 || lng == 3)
                v = lng == 1 ? va_arg(*ap, long) : va_arg(*ap, long long);
        else
                v = va_arg(*ap, int);
        if (lng == -1)
                v = (short)v;
        else if (lng == -2)
                v = (signed char)v;
        return v;
}

/* The argument of an unsigned conversion, of the size lng says. */
static uint64_t arg_unsigned(int lng, va_list *ap)
{
        uint64_t v;
        if (lng == 1 || lng == 2 || lng == 3)
                v = lng == 1 ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned long long);
        else
                v = va_arg(*ap, unsigned);
        if (lng == -1)
                v = (unsigned short)v;
        else if (lng == -2)
                v = (unsigned char)v;
        return v;
}

/* Conversion c of directive sp, its argument (if it has one) taken from ap. */
static void convert(struct out *o, char c, const struct spec *sp, va_list *ap)
{
        switch (c) {
        case 'd':
        case 'i': {
                int64_t v = arg_signed(sp->lng, ap);
                uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
                emit_num(o, u, v < 0, 10, 0, sp->flags, sp->width, sp->prec);
                break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
                uint64_t v = arg_unsigned(sp->lng, ap);
                unsigned base = c == 'o' ? 8 : c == 'u' ? 10 : 16;
                emit_num(o, v, 0, base, c == 'X', sp->flags & ~(F_PLUS | F_SPACE), sp->width,
                         sp->prec);
                break;
        }
        case 'p':
                emit_num(o, (uintptr_t)va_arg(*ap, void *), 0, 16, 0, F_ALT, sp->width, -1);
                break;
        case 's':
                emit_str(o, va_arg(*ap, const char *), sp->flags, sp->width, sp->prec);
                break;
        case 'c': {
                char ch[2] = {(char)va_arg(*ap, int), 0};
                emit_str(o, ch, sp->flags, sp->width, 1);
                break;
        }
        case '%':
                put(o, '%');
                break;
        default:
                /* Unknown conversion: print it as is, never read an argument. */
                put(o, '%');
                put(o, c);
                break;
        }
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
        struct out o = {buf, size, 0};
        /* A copy to hand on by address: ap itself may be an array parameter. */
        va_list aq;
        va_copy(aq, ap);
        for (; *fmt; fmt++) {
                if (*fmt != '%') {
                        put(&o, *fmt);
                        continue;
                }
                struct spec sp;
                fmt = parse_spec(fmt + 1, &sp, &aq);
                if (*fmt == '\0')
                        break;
                convert(&o, *fmt, &sp, &aq);
        }
        va_end(aq);
        if (size > 0)
                buf[o.len < size ? o.len : size - 1] = '\0';
        return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = rt_vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        return n;
}
