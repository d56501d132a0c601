/* The TAP count of a test program built from several files (see tap.h). */
#define TAP_MULTI_FILE
#include "tap.h"

int tap_count;
int tap_failed;
bool tap_lazy;
