/* taylor_data.c: written by tests/gen/taylor_gen.c; see taylor.h. */
#include "taylor.h"

const struct taylor eng__swish_g0 = {0, 0, 0, 1, {0}};
const struct taylor eng__swish_g1 = {0, 0, 0, 1, {0}};
const struct taylor eng__gelu_d1 = {0, 0, 0, 1, {0}};
const struct taylor eng__gelu_tanh_d1 = {0, 0, 0, 1, {0}};
const struct taylor eng__gelu_tanh_d2a = {0, 0, 0, 1, {0}};
const struct taylor eng__gelu_tanh_d2b = {0, 0, 0, 1, {0}};
const struct taylor eng__mish_d1 = {0, 0, 0, 1, {0}};
const struct taylor eng__mish_d2a = {0, 0, 0, 1, {0}};
const struct taylor eng__mish_d2b = {0, 0, 0, 1, {0}};
