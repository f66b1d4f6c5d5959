/* Two processes of a profiled tree, shared by the tests of the reports'
 * process tables: the script, started through the bootstrap (which the
 * tables leave out of its command), and a shell it ran, not sampled. */
#ifndef FAH_TEST_PROCESS_FIXTURE_H
#define FAH_TEST_PROCESS_FIXTURE_H

#include "client/model/profile_proc.h"

static const struct profile_process fixture_script_process = {
    .pid = 100, .ppid = 1, .root = 1, .python = 1, .exited = 1, .end_s = 2.5, .cpu_s = 0.25,
    .max_rss_bytes = 16u << 20,
    .command = "/usr/bin/python3 /opt/fah/fixingahole_bootstrap.py --log x -- run.py 7",
    .python_version = "3.11.2", .note = ""};

static const struct profile_process fixture_shell_process = {
    .pid = 101, .ppid = 100, .exited = 1, .start_s = 1.0, .end_s = 1.3, .cpu_s = 0.002,
    .command = "sh -c sleep 0.3", .python_version = "", .note = "not a Python process"};

#endif
