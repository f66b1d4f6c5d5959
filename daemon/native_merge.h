/* Interleaving a thread's native frames with its Python frames (--native),
 * as a reader expects: Python caller, the C functions it called, the
 * Python callback those called. Each native frame of the evaluation loop
 * stands for the Python frames of one loop call: up to 3.10 one frame,
 * from 3.11 the frames down to the one that call entered with (the
 * walker's entry bits, pywalk_frame_is_entry). Native frames outside the
 * outermost Python frame (main, the thread's start routine) are left out;
 * Python frames the native stack did not reach (an unwind that stopped
 * early) follow at the outer end. A native stack with no evaluation-loop
 * frame at all (its interpreter stripped, without debug info) is not
 * merged: nothing says where its frames belong. */
#ifndef FAH_DAEMON_NATIVE_MERGE_H
#define FAH_DAEMON_NATIVE_MERGE_H

#include <stdint.h>

#include "daemon/pywalk.h"

struct native_frame {
    uint32_t code_id; /* pywalk_add_native's id */
    int eval;         /* a frame of the evaluation loop */
};

/* Rewrites stack->frames (innermost first, with its entry bits) as the
 * merged stack, innermost first; native frames get line 0. A stack without
 * Python frames is left alone. When the merge would pass PYWALK_MAX_DEPTH,
 * native frames are dropped first. The entry bits are cleared. */
void native_merge(struct pywalk_stack *stack, const struct native_frame *native,
                  uint32_t nnative);

#endif
