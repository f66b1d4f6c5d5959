/* Writing untrusted text (function and file names, source lines, command
 * arguments) into the documents client/view makes: JSON strings that sit
 * inside an HTML <script> element, and XML/HTML text and attributes. */
#ifndef FAH_VIEW_ESCAPE_H
#define FAH_VIEW_ESCAPE_H

#include <stdio.h>

/* s as a quoted JSON string; <, > and & as \u escapes so that the string
 * can never close the <script> element it is embedded in. NULL is null. */
void escape_json(FILE *out, const char *s);

/* s with &, <, >, " and ' as character references, control characters
 * (not allowed in XML 1.0) as U+FFFD; safe in text and quoted attributes. */
void escape_xml(FILE *out, const char *s);

#endif
