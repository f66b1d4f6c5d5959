/* Escaping for the documents of client/view (see escape.h). */
#include "client/view/escape.h"

#include <string.h>

/* Characters a JSON string in a <script> element cannot hold as they are. */
static const char json_special[] = "\"\\<>&\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r"
                                   "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
                                   "\x1b\x1c\x1d\x1e\x1f";

void escape_json(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    while (*s) {
        size_t plain = strcspn(s, json_special); /* written in one piece */
        fwrite(s, 1, plain, out);
        s += plain;
        if (!*s)
            break;
        unsigned char c = (unsigned char)*s++;
        char esc[7] = {'\\', (char)c, 0};
        if (c != '"' && c != '\\') { /* \u00XX: every special is below 0x80 */
            static const char hex[] = "0123456789abcdef";
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
        }
        fputs(esc, out);
    }
    fputc('"', out);
}

/* The length of the well-formed UTF-8 sequence at s that XML allows
 * (no surrogates, no U+FFFE or U+FFFF), or 0. */
static size_t utf8_char_len(const unsigned char *s)
{
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || s[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) || /* overlong, surrogate */
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90) || /* overlong, > U+10FFFF */
        (s[0] == 0xEF && s[1] == 0xBF && s[2] >= 0xBE))                 /* U+FFFE, U+FFFF */
        return 0;
    return len;
}

/* Bytes escape_xml cannot copy as they are: markup, control characters
 * XML 1.0 does not allow, and every byte of a multibyte sequence (checked). */
static int xml_plain(unsigned char c)
{
    return c >= 0x20 ? c < 0x80 && c != '&' && c != '<' && c != '>' && c != '"' && c != '\''
                     : c == '\t' || c == '\n';
}

void escape_xml(FILE *out, const char *text)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    while (*s) {
        const unsigned char *run = s;
        while (*s && xml_plain(*s))
            s++;
        fwrite(run, 1, (size_t)(s - run), out); /* written in one piece */
        if (!*s)
            break;
        size_t len = *s >= 0x80 ? utf8_char_len(s) : 0;
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: /* a character XML 1.0 does not allow, or not UTF-8 */
            if (len)
                fwrite(s, 1, len, out);
            else
                fputs("\xef\xbf\xbd", out);
        }
        s += len ? len : 1;
    }
}
