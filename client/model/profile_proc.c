/* The process table of a profile (see profile_proc.h). */
#include "client/model/profile_proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_strings(struct profile_process *proc)
{
    free(proc->command);
    free(proc->python_version);
    free(proc->note);
}

void profile_processes_free(struct profile_processes *ps)
{
    for (size_t i = 0; i < ps->count; i++)
        free_strings(&ps->items[i]);
    free(ps->items);
    ps->items = NULL;
    ps->count = 0;
}

const struct profile_process *profile_process_find(const struct profile_processes *ps,
                                                   int32_t pid)
{
    for (size_t i = 0; i < ps->count; i++)
        if (ps->items[i].pid == pid)
            return &ps->items[i];
    return NULL;
}

int profile_process_set(struct profile_processes *ps, const struct profile_process *proc)
{
    struct profile_process copy = *proc;
    copy.command = strdup(proc->command ? proc->command : "");
    copy.python_version = strdup(proc->python_version ? proc->python_version : "");
    copy.note = strdup(proc->note ? proc->note : "");
    if (!copy.command || !copy.python_version || !copy.note) {
        free_strings(&copy);
        return -ENOMEM;
    }
    struct profile_process *old = (struct profile_process *)profile_process_find(ps, proc->pid);
    if (old) {
        free_strings(old);
        *old = copy;
        return 0;
    }
    struct profile_process *grown = realloc(ps->items, (ps->count + 1) * sizeof(*grown));
    if (!grown) {
        free_strings(&copy);
        return -ENOMEM;
    }
    ps->items = grown;
    ps->items[ps->count++] = copy;
    return 0;
}

double profile_process_lifetime(const struct profile_process *proc, double wall_seconds)
{
    double end = proc->end_s > 0 ? proc->end_s : wall_seconds;
    return end > proc->start_s ? end - proc->start_s : 0;
}

/* The command as the user wrote it, its program by name: the script's
 * (and its forks') command line runs our bootstrap first
 * ("/usr/bin/python3 .../fixingahole_bootstrap.py OPTIONS -- SCRIPT ARGS"),
 * shown as "python3 SCRIPT ARGS". */
void profile_process_display_command(const char *command, char *out, size_t len)
{
    size_t program = strcspn(command, " ");
    const char *name = command + program;
    while (name > command && name[-1] != '/')
        name--;
    const char *boot = strstr(command, "fixingahole_bootstrap.py ");
    const char *rest = boot ? strstr(boot, " -- ") : NULL;
    const char *args = rest && boot > command + program ? rest + 4 : command + program;
    snprintf(out, len, "%.*s%s%s", (int)(command + program - name), name,
             *args && *args != ' ' ? " " : "", args);
}
