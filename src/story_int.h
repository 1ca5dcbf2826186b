/*
 * Inside the library: chorus_story_view_compute() with the caller's text
 * analyser, whose word cache then serves every story a thread summarises
 * (the renderer keeps one per thread; src/story.c, src/render.c).
 */
#ifndef CHORUS_STORY_INT_H
#define CHORUS_STORY_INT_H

#include "chorus/cluster.h"
#include "chorus/text.h"

int story_view_compute(struct chorus_text_analyser *ta,
		       const struct chorus_corpus *c,
		       const struct chorus_story *s,
		       struct chorus_story_view *out, struct chorus_err *err);

#endif
