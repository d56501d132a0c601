/* The subcommands of the verdict binary; each returns the process exit
 * status. */
#ifndef VERDICT_COMMANDS_H
#define VERDICT_COMMANDS_H

int cmd_audit(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
