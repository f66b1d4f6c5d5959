/* Leaving the launcher's frames out of a profile: the bootstrap
 * (client/run/fixingahole_bootstrap.py and the module it imports) runs the
 * script, itself or through runpy, so every stack starts with its frames
 * and runpy's, which no report shows. */
#ifndef FAH_CLIENT_PROFILE_STRIP_H
#define FAH_CLIENT_PROFILE_STRIP_H

#include <stdint.h>

#include "client/model/profile.h"

/* The module the bootstrap imports from its own folder. */
#define PROFILE_STRIP_BOOTSTRAP_BODY "fixingahole_bootstrap_main.py"

/* Drops the bootstrap's frames (and runpy's, between it and the script)
 * from every stack; a stack that never reached the user's code keeps no
 * frames at all. bootstrap: the bootstrap's path as the interpreter saw
 * it ("": none); its module's frames are those of the file of that name
 * in the same folder. Stacks are truncated in place, so two may become
 * equal; the summary adds them up all the same. */
void profile_strip_frames(struct profile *p, const char *bootstrap);

/* The frames of st that profile_strip_frames keeps, into out (room for
 * st->nframes; may be st->frames itself). Returns how many. */
uint32_t profile_strip_kept_frames(const struct profile *p, const struct profile_stack *st,
                                   const char *bootstrap, struct profile_frame *out);

#endif
