/* Writing untrusted text (function and file names, source lines, command
 * arguments) into the documents client/view makes: JSON strings that sit
 * inside an HTML <script> element, and XML/HTML text and attributes. */
#ifndef FAH_VIEW_ESCAPE_H
#define FAH_VIEW_ESCAPE_H

#include <stdio.h>

/* s as a quoted JSON string; <, > and & as \u escapes so that the string
 * can never close the <script> element it is embedded in. NULL is null. */
void escape_json(FILE *out, const char *s);

/* s with &, <, >, " and ' as character references, and as U+FFFD every
 * byte that is not well-formed UTF-8 and every character XML 1.0 does not
 * allow (control characters, surrogates, U+FFFE, U+FFFF): the result is
 * valid XML text, safe in quoted attributes too, whatever the bytes of a
 * file name. */
void escape_xml(FILE *out, const char *s);

#endif
