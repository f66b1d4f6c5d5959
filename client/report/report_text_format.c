/* Number and column formatting for the text report (see report_text_format.h). */
#include "client/report/report_text_format.h"

void report_text_repeat(FILE *out, const char *s, size_t n)
{
    while (n--)
        fputs(s, out);
}

void report_text_bytes(char *buf, size_t len, uint64_t bytes)
{
    double mb = (double)bytes / (1024.0 * 1024.0);

    if (mb < 1024.0)
        snprintf(buf, len, "%.3f MB", mb);
    else
        snprintf(buf, len, "%.3f GB", mb / 1024.0);
}

void report_text_cell(char *buf, size_t len, int width, double percent)
{
    char num[32];
    int n;

    if (!(percent >= REPORT_TEXT_CELL_MIN_PERCENT)) {
        snprintf(buf, len, "%*s", width, "");
        return;
    }
    n = snprintf(num, sizeof(num), "%.1f%%", percent);
    if (n > width - 1) /* "100.0%" in a 6-wide column */
        snprintf(num, sizeof(num), "%.0f%%", percent);
    snprintf(buf, len, "%*s ", width - 1, num);
}
