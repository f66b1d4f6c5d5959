/* Keeps the kernel's perf scheduling hooks switched on while the daemon
 * runs. The kernel switches them on when the first perf counter attached
 * to a task is opened anywhere on the machine, and waits for an RCU grace
 * period to do so: that first perf_event_open took 8-20 ms on the VMs
 * measured here, against 0.02-0.08 ms for every later one. It switches
 * them off a second after the last such counter closes. A session opens
 * its target's CPU clocks (cpuclock.h) at its first tick, so every run
 * more than a second after the previous one paid that wait, and an empty
 * script's whole command ended that much later. One counter that counts
 * nothing (a dummy event on the daemon's main thread), held open for the
 * daemon's life, keeps them on; the daemon leaves after an idle minute
 * (config.h), and with it the counter. */
#ifndef FAH_DAEMON_PERFWARM_H
#define FAH_DAEMON_PERFWARM_H

/* Opens the counter on the calling process's main thread. Its file
 * descriptor, or a negative errno code (-EACCES, -EPERM: perf counters are
 * not allowed here, and then neither are the CPU clocks it would speed). */
int perfwarm_open(void);

/* perfwarm_open on a thread of its own, so that the wait it may cost
 * delays nothing; the descriptor stays open until the daemon exits. 0, or
 * a negative errno code when no thread could be started. Call it after
 * forking the watchdog, which need not share it. */
int perfwarm_start(void);

#endif
