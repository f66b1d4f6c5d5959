/* The process table of the text report: the script and every descendant
 * the daemon saw, when there was more than the script. */
#include <stdio.h>
#include <string.h>

#include "client/report/report_text_format.h"
#include "client/report/report_text_internal.h"

/* Commands are cut so that a row stays on one line. */
#define PROCS_COMMAND_WIDTH 72

static void print_process(FILE *out, const struct profile *p, const struct profile_process *pr)
{
    char rss[32], command[PROCS_COMMAND_WIDTH + 1];
    report_text_bytes(rss, sizeof(rss), pr->max_rss_bytes);
    profile_process_display_command(pr->command, command, sizeof(command));
    fprintf(out, "%8d %8d %9.3fs %8.3fs %10s  %s", (int)pr->pid, (int)pr->ppid,
            profile_process_lifetime(pr, p->wall_seconds), pr->cpu_s,
            pr->max_rss_bytes ? rss : "-", command);
    if (pr->note[0])
        fprintf(out, "  [%s]", pr->note);
    else if (!pr->exited && !pr->root)
        fputs("  [still running]", out);
    fputc('\n', out);
}

void report_text_processes(FILE *out, const struct profile *p)
{
    if (p->processes.count < 2)
        return;
    double cpu = 0;
    for (size_t i = 0; i < p->processes.count; i++)
        cpu += p->processes.items[i].cpu_s;
    fprintf(out, "\nProcesses: %zu, %.3f s CPU together (percentages above are of the whole "
            "tree's time)\n",
            p->processes.count, cpu);
    fprintf(out, "%8s %8s %10s %9s %10s  %s\n", "PID", "PARENT", "LIFETIME", "CPU", "MAX RSS",
            "COMMAND");
    for (size_t i = 0; i < p->processes.count; i++)
        print_process(out, p, &p->processes.items[i]);
}
