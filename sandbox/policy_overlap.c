/* Overlap analysis of policy rules: can two rules' conditions both match
 * one system call, and does one rule's set of calls contain another's?
 * The parser (policy_parse.c) refuses overlapping rules with it, because
 * libseccomp gives no order between different actions. */
#include <stdbool.h>
#include <stdint.h>

#include "policy_internal.h"

/* Every condition is a set of 64-bit values of one shape. */
enum shape_kind {
	SHAPE_RANGE,  /* lo <= x <= hi (==, <, <=, >, >=) */
	SHAPE_EXCEPT, /* x != v */
	SHAPE_MASKED, /* (x & m) == v */
};

struct shape {
	enum shape_kind kind;
	uint64_t lo, hi; /* SHAPE_RANGE */
	uint64_t m, v;   /* SHAPE_EXCEPT uses v */
};

/* parse_cond() has refused the empty ranges (< 0, > max), so no underflow. */
static struct shape shape_of(const struct policy_cond *c)
{
	struct shape s = { .kind = SHAPE_RANGE, .lo = 0, .hi = UINT64_MAX };

	switch (c->op) {
	case SCMP_CMP_EQ:
		s.lo = s.hi = c->value;
		break;
	case SCMP_CMP_LT:
		s.hi = c->value - 1;
		break;
	case SCMP_CMP_LE:
		s.hi = c->value;
		break;
	case SCMP_CMP_GT:
		s.lo = c->value + 1;
		break;
	case SCMP_CMP_GE:
		s.lo = c->value;
		break;
	case SCMP_CMP_NE:
		s.kind = SHAPE_EXCEPT;
		s.v = c->value;
		break;
	case SCMP_CMP_MASKED_EQ:
		s.kind = SHAPE_MASKED;
		s.m = c->mask;
		s.v = c->value;
		break;
	case _SCMP_CMP_MIN:
	case _SCMP_CMP_MAX:
		break;
	}
	return s;
}

/* Is there an x in [lo, hi] with (x & m) == v? The smallest x >= lo with the
 * pattern either is lo itself or agrees with lo above some bit i where lo has
 * 0 and x has 1, and is minimal below it; the lowest usable i gives the
 * smallest x. */
static bool masked_meets_range(uint64_t m, uint64_t v, uint64_t lo, uint64_t hi)
{
	if ((lo & m) == v)
		return true;
	for (unsigned i = 0; i < 64; i++) {
		uint64_t bit = UINT64_C(1) << i;
		uint64_t above = i == 63 ? 0 : ~((bit << 1) - 1);
		if (lo & bit)
			continue;
		if ((m & bit) && !(v & bit))
			continue;
		if ((lo & above & m) != (v & above))
			continue;
		return ((lo & above) | bit | (v & (bit - 1))) <= hi;
	}
	return false;
}

static bool shapes_meet(const struct shape *a, const struct shape *b)
{
	if (a->kind > b->kind) {
		const struct shape *t = a;
		a = b;
		b = t;
	}
	switch (a->kind) {
	case SHAPE_RANGE:
		switch (b->kind) {
		case SHAPE_RANGE:
			return (a->lo > b->lo ? a->lo : b->lo) <= (a->hi < b->hi ? a->hi : b->hi);
		case SHAPE_EXCEPT:
			return !(a->lo == a->hi && a->lo == b->v);
		case SHAPE_MASKED:
			return masked_meets_range(b->m, b->v, a->lo, a->hi);
		}
		break;
	case SHAPE_EXCEPT:
		if (b->kind == SHAPE_EXCEPT)
			return true;
		/* The masked set has one element only when the mask is full. */
		return b->m != UINT64_MAX || b->v != a->v;
	case SHAPE_MASKED:
		return ((a->v ^ b->v) & a->m & b->m) == 0;
	}
	return true;
}

/* Can one system call (one argument vector) match both rules? Arguments are
 * independent and each rule constrains an argument at most once. */
bool policy_rules_overlap(const struct policy_rule *a, const struct policy_rule *b)
{
	for (unsigned i = 0; i < a->n_conds; i++) {
		for (unsigned j = 0; j < b->n_conds; j++) {
			if (a->conds[i].arg != b->conds[j].arg)
				continue;
			struct shape sa = shape_of(&a->conds[i]);
			struct shape sb = shape_of(&b->conds[j]);
			if (!shapes_meet(&sa, &sb))
				return false;
		}
	}
	return true;
}

/* Is every value of `a` also a value of `b`? */
static bool shape_within(const struct shape *a, const struct shape *b)
{
	switch (a->kind) {
	case SHAPE_RANGE:
		switch (b->kind) {
		case SHAPE_RANGE:
			return b->lo <= a->lo && a->hi <= b->hi;
		case SHAPE_EXCEPT:
			return b->v < a->lo || b->v > a->hi;
		case SHAPE_MASKED: {
			/* Below the highest bit where lo and hi differ, a range
			 * takes every bit both ways; above it, lo's bits. */
			uint64_t diff = a->lo ^ a->hi;
			uint64_t varying = 0;
			while (diff) {
				varying = (varying << 1) | 1;
				diff >>= 1;
			}
			return (b->m & varying) == 0 && (a->lo & b->m) == b->v;
		}
		}
		break;
	case SHAPE_EXCEPT:
		switch (b->kind) {
		case SHAPE_RANGE:
			return b->lo <= (a->v == 0 ? 1 : 0) &&
			       b->hi >= (a->v == UINT64_MAX ? UINT64_MAX - 1 : UINT64_MAX);
		case SHAPE_EXCEPT:
			return a->v == b->v;
		case SHAPE_MASKED:
			return false; /* a non-zero mask excludes at least half */
		}
		break;
	case SHAPE_MASKED:
		switch (b->kind) {
		case SHAPE_RANGE:
			return b->lo <= a->v && (a->v | ~a->m) <= b->hi;
		case SHAPE_EXCEPT:
			return (b->v & a->m) != a->v;
		case SHAPE_MASKED:
			return (b->m & ~a->m) == 0 && (a->v & b->m) == b->v;
		}
		break;
	}
	return false;
}

/* Does every call matching rule `a` also match rule `b`? A condition of `b`
 * on an argument `a` leaves free is never satisfied by all values, because
 * always-true conditions are refused by parse_cond(). */
bool policy_rule_within(const struct policy_rule *a, const struct policy_rule *b)
{
	for (unsigned j = 0; j < b->n_conds; j++) {
		bool found = false;
		for (unsigned i = 0; i < a->n_conds && !found; i++) {
			if (a->conds[i].arg != b->conds[j].arg)
				continue;
			struct shape sa = shape_of(&a->conds[i]);
			struct shape sb = shape_of(&b->conds[j]);
			if (!shape_within(&sa, &sb))
				return false;
			found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

bool policy_same_conds(const struct policy_rule *a, const struct policy_rule *b)
{
	if (a->n_conds != b->n_conds)
		return false;
	for (unsigned i = 0; i < a->n_conds; i++) {
		const struct policy_cond *x = &a->conds[i], *y = &b->conds[i];
		if (x->arg != y->arg || x->op != y->op || x->mask != y->mask ||
		    x->value != y->value)
			return false;
	}
	return true;
}
