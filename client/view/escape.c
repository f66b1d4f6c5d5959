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

static const char xml_special[] = "&<>\"'\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\r"
                                  "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
                                  "\x1b\x1c\x1d\x1e\x1f";

void escape_xml(FILE *out, const char *s)
{
    for (s = s ? s : ""; *s; s++) {
        size_t plain = strcspn(s, xml_special);
        fwrite(s, 1, plain, out);
        s += plain;
        if (!*s)
            break;
        switch ((unsigned char)*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: /* a control character XML 1.0 does not allow */
            fputs("\xef\xbf\xbd", out);
        }
    }
}
