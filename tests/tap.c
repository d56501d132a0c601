/* The TAP count of a test program built from several files (see tap.h). */
#ifndef TAP_MULTI_FILE
#define TAP_MULTI_FILE 1
#endif
#include "tap.h"

int tap_count;
int tap_failed;
bool tap_lazy;
