/* report.html's process table: the script and every descendant the daemon
 * saw, when there was more than the script (as in the text report). */
#include "client/view/escape.h"
#include "client/view/html_parts.h"

/* Commands are cut so that a row stays readable. */
#define HTML_PROCS_COMMAND_BYTES 240

static void process_row(FILE *out, const struct profile *p, const struct profile_process *pr)
{
    char command[HTML_PROCS_COMMAND_BYTES];
    profile_process_display_command(pr->command, command, sizeof(command));
    fprintf(out, "<tr><td class=\"num\">%d</td><td class=\"num\">%d</td>"
                 "<td class=\"num\">%.3f s</td><td class=\"num\">%.3f s</td><td class=\"num\">",
            (int)pr->pid, (int)pr->ppid, profile_process_lifetime(pr, p->wall_seconds), pr->cpu_s);
    if (pr->max_rss_bytes)
        fprintf(out, "%.3f MB", (double)pr->max_rss_bytes / (1024.0 * 1024.0));
    else
        fputs("-", out);
    fputs("</td><td>", out);
    escape_xml(out, command);
    if (pr->note[0]) {
        fputs(" [", out);
        escape_xml(out, pr->note);
        fputs("]", out);
    } else if (!pr->exited && !pr->root) {
        fputs(" [still running]", out);
    }
    fputs("</td></tr>\n", out);
}

void html_processes(FILE *out, const struct profile *p)
{
    if (p->processes.count < 2)
        return;
    fputs("<section id=\"processes\">\n<h2>Processes</h2>\n"
          "<p>Percentages in this report are of the whole tree's time.</p>\n"
          "<table id=\"process-table\"><tr><th>pid</th><th>parent</th><th>lifetime</th>"
          "<th>CPU</th><th>peak RSS</th><th>command</th></tr>\n",
          out);
    for (size_t i = 0; i < p->processes.count; i++)
        process_row(out, p, &p->processes.items[i]);
    fputs("</table>\n</section>\n", out);
}
