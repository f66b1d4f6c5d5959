/* `fixingahole export PROFILE.json --format F[,F...] [-o FILE]`: an earlier
 * run's profile.json in other tools' formats (docs/exports.md). */
#ifndef FAH_CLIENT_EXPORT_CMD_H
#define FAH_CLIENT_EXPORT_CMD_H

/* Returns the process's exit status: 0, 64 for a usage error (an unknown
 * format), 66 for a missing or unreadable PROFILE.json, 70 when writing
 * failed. */
int export_cmd_main(int argc, char **argv);

#endif
