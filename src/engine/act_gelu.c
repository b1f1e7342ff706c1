/*
 * act_gelu.c: GELU (exact, tanh and sigmoid forms) and mish.
 *
 * The tails are where the textbook forms fail: gelu(-10) = -7.6e-23 is not 1 + erf,
 * gelu(-30) = -1.5e-197 is lost if -x / sqrt 2 or x^2 is rounded (2 t^2 ULP), and a
 * product that ends subnormal must be rounded once. The exact form is written as
 * Phi(-a) = e^(-a^2/2) G(a) with G tabulated (tests/gen/gelu_mills_gen.c), the
 * approximations and mish in terms of e^-|w|, with the sums that cancel formed in two
 * words. Near the zeros of the derivatives the Taylor series of taylor.h take over.
 * No HTTP or JSON here.
 */
#include <math.h>

#include "dd.h"
#include "internal.h"
#include "taylor.h"

#define WANT(bit) (want & ENG_WANT_##bit)

#define INV_SQRT_2PI 0x1.9884533d43651p-2     /* 1 / sqrt(2 pi), two words */
#define INV_SQRT_2PI_LO (-0x1.cbc0d30ebfd15p-56)
#define TWO_C_HI 0x1.9884533d43651p+0         /* 2 sqrt(2 / pi), two words */
#define TWO_C_LO (-0x1.cbc0d30ebfd15p-54)
#define K_HI 0x1.6e4e26d4801f7p-5             /* 0.044715, two words */
#define K_LO 0x1.441355475a31ap-59
#define SIG_K_HI 0x1.b3b645a1cac08p+0           /* 1.702, two words */
#define SIG_K_LO 0x1.89374bc6a7efap-55

/* e^-W for a two-word W >= 0, to first order in W.lo, in two words. */
ENG_INLINE struct dd exp_neg(struct dd W)
{
  double e = exp(-W.hi);
  return dd_norm(e, -e * W.lo);
}

/* q = n / d rounded once, for two-word n and d (d > 0). */
ENG_INLINE double div_dd(struct dd n, struct dd d)
{
  double q = n.hi / d.hi;
  return q + (fma(-q, d.hi, n.hi) + n.lo - q * d.lo) / d.hi;
}

/* The Taylor series s of taylor.h at x, if |x - x0| < r (r at most the series' own
 * radius): within r of the zero x0 the rounding of e^(...) in the closed forms below
 * would be magnified more than twice; beyond it they are used. */
ENG_INLINE int near_zero(const struct taylor *s, double x, double r, double *out)
{
  return fabs(x - s->u0_hi) < r && taylor_eval(s, dd_of(x), out);
}

/* ---- mills table: written by tests/gen/gelu_mills_gen.c; do not edit by hand ---- */
static const double mills[80][14] = {
  {0x1.a7f808169e57p-2, -0x1.2e8651379bcfp-2, 0x1.5c5673c8b7631p-3, -0x1.594f58fe0852p-4,
   0x1.312c88a8f77d4p-5, -0x1.eb760ca0a1027p-7, 0x1.6df18a7a4cd0dp-8, -0x1.fd6474c2cd879p-10,
   0x1.4e1b4a3e715a7p-11, -0x1.9fa142df02e1ep-13, 0x1.ecf66b9a64439p-15, -0x1.1c00e42a4cc21p-16,
   0x1.35838d8ce9a5ep-18, 0x1.321648ec65d38p-56,}, /* [0, 0.5) */
  {0x1.3370237bca626p-2, -0x1.63e07140d7367p-3, 0x1.5bf7f206f35bdp-4, -0x1.2c849dfda5eacp-5,
   0x1.d68c6d8fab60cp-7, -0x1.53aa0f1b59aebp-8, 0x1.c990dfd8cdabbp-10, -0x1.2223537237963p-11,
   0x1.5cc3a66d171dbp-13, -0x1.8f846a55318cdp-15, 0x1.b621ae847d782p-17, -0x1.d38a4874e924dp-19,
   0x1.da621a9b07bdbp-21, 0x1.5b5ccb581f89cp-59,}, /* [0.5, 1) */
  {0x1.d898de09c6f19p-3, -0x1.c49321dc9c382p-4, 0x1.7b79d1bfca9cfp-5, -0x1.1f33fe5ba7b4cp-6,
   0x1.8ff2a58d04255p-8, -0x1.038d10fe4eabfp-9, 0x1.3cf8a3e6520cep-11, -0x1.6ed9fe7497d45p-13,
   0x1.94a90e201e1dap-15, -0x1.ab589c2c8adb7p-17, 0x1.b1c06282d3129p-19, -0x1.ad289ec9726d1p-21,
   0x1.95af7ea674bbcp-23, 0x1.d6ac48da9b5e4p-57,}, /* [1, 1.5) */
  {0x1.7b5abd2fd03adp-3, -0x1.3253b6cdb4c64p-4, 0x1.bd45f4ef48356p-6, -0x1.2962f462b89a4p-7,
   0x1.721ebe31cda86p-9, -0x1.b17803c211b2fp-11, 0x1.e145f6cb3c22ep-13, -0x1.fd83398036caep-15,
   0x1.025c904ffecbbp-16, -0x1.f7e24c96941eap-19, 0x1.da01ca1a68847p-21, -0x1.b375e5d11b316p-23,
   0x1.7fe87fc0b88fp-25, 0x1.800e52e98304cp-58,}, /* [1.5, 2) */
  {0x1.3aadddf19e98p-3, -0x1.b405cc6b87d06p-5, 0x1.15aa6bd488cb1p-6, -0x1.49badda1252e1p-8,
   0x1.70c53ca78fafcp-10, -0x1.87595808cf6ddp-12, 0x1.8c5d485b44a87p-14, -0x1.80e692494e3bap-16,
   0x1.67b72f0b40fb6p-18, -0x1.448ad93d5bb86p-20, 0x1.1b70a98c3719ap-22, -0x1.e460116130d4ap-25,
   0x1.8ec777951a2f4p-27, -0x1.a4235d20a0b3bp-58,}, /* [2, 2.5) */
  {0x1.0bb968cded93fp-3, -0x1.432b1910e5ccfp-5, 0x1.6c5e3c927cb84p-7, -0x1.838c52410053dp-9,
   0x1.87b7101732149p-11, -0x1.7a617d6989c6p-13, 0x1.5ee01a5118dcfp-15, -0x1.397eacf76b5d7p-17,
   0x1.0eb20881f0ccep-19, -0x1.c4f012a4ca8dap-22, 0x1.6ff97d4c02d5p-24, -0x1.24ff98cb16016p-26,
   0x1.c336359147678p-29, 0x1.188df3f4c6335p-63,}, /* [2.5, 3) */
  {0x1.d0b31c082543cp-4, -0x1.ef2cc76a51e03p-6, 0x1.f2f5d00e15ec7p-8, -0x1.dec5a1fa005a3p-10,
   0x1.b7d4f1cbd69dap-12, -0x1.8481f80de3b16p-14, 0x1.4b1e40abc1617p-16, -0x1.11157632f6b89p-18,
   0x1.b4f344af30927p-21, -0x1.53ceee04ec0dfp-23, 0x1.015b8b1577603p-25, -0x1.7eb552bb2c877p-28,
   0x1.141307d6051cbp-30, -0x1.fa9e33c6acfbdp-58,}, /* [3, 3.5) */
  {0x1.99c2b6db3b3ap-4, -0x1.85dc7cfbbdeadp-6, 0x1.62200d79c96fp-8, -0x1.34a2573305ba8p-10,
   0x1.031f6ee7d046ap-12, -0x1.a48594a460cc8p-15, 0x1.4aaf068e76b77p-17, -0x1.f92b6768d679bp-20,
   0x1.778ab9c7ee23cp-22, -0x1.102c1bb706e8p-24, 0x1.81337cd8ecd25p-27, -0x1.0c077ee574cb9p-29,
   0x1.6af10095e0569p-32, -0x1.f9a402f2d631ap-59,}, /* [3.5, 4) */
  {0x1.6e0409710781ap-4, -0x1.3a009352b6b4dp-6, 0x1.031b67492b0c1p-8, -0x1.9ccf90dfb5012p-11,
   0x1.3e691292971ffp-13, -0x1.dccc5419416d1p-16, 0x1.5b42ca1b66849p-18, -0x1.ecf3f44f6d01dp-21,
   0x1.5584c24e8fee6p-23, -0x1.ce890a286d1aap-26, 0x1.3289bcedbd98fp-28, -0x1.901936a571ac3p-31,
   0x1.fd7784d74af1fp-34, 0x1.8b681fc4edeaep-60,}, /* [4, 4.5) */
  {0x1.4a7249909b035p-4, -0x1.01c9be18b5115p-6, 0x1.852b7d343febep-9, -0x1.1cff2811f68e2p-11,
   0x1.95e3ecf7591bep-14, -0x1.19987bfa38c37p-16, 0x1.7d4f33f64e77p-19, -0x1.f89f9cd654f6bp-22,
   0x1.46c1bc25d31c4p-24, -0x1.9e92da5ff4edap-27, 0x1.01ec53d951ddfp-29, -0x1.3c728547c40e8p-32,
   0x1.7ba8812274652p-35, 0x1.df2f08f62e185p-59,}, /* [4.5, 5) */
  {0x1.2d01fec27390ap-4, -0x1.ae369bc176e78p-7, 0x1.2ae288b7d88aep-9, -0x1.948dae01c762cp-12,
   0x1.0b2c74356d91cp-14, -0x1.58e223175ffbap-17, 0x1.b3ab3740d2e01p-20, -0x1.0d9a6878a3ccdp-22,
   0x1.4742392b1eb41p-25, -0x1.85f7dd75df6f9p-28, 0x1.c8934ae10a67ap-31, -0x1.07de1484ab158p-33,
   0x1.2adcf1dbf35f3p-36, -0x1.015ceffeeecfdp-58,}, /* [5, 5.5) */
  {0x1.1445a52cb7b7cp-4, -0x1.6c06b99f699dfp-7, 0x1.d419f84479c65p-10, -0x1.262b4c976ba48p-12,
   0x1.69ddd156784f8p-15, -0x1.b43181a9d8ddbp-18, 0x1.01e140c20b085p-20, -0x1.2b63398eed2fep-23,
   0x1.558f7ba1b1314p-26, -0x1.7f390e741f357p-29, 0x1.a72681c263f7dp-32, -0x1.cdc811a65e45cp-35,
   0x1.eeb9ce0f25d59p-38, -0x1.debe16e94854fp-58,}, /* [5.5, 6) */
  {0x1.fe6e5e311bedcp-5, -0x1.37c334dcb2692p-7, 0x1.74d5b9845297cp-10, -0x1.b504fe717d8cep-13,
   0x1.f69d2bba881b9p-16, -0x1.1bdae831acfd9p-18, 0x1.3b2604ef7e873p-21, -0x1.582f957104611p-24,
   0x1.7206c1f01246dp-27, -0x1.87d71259958d8p-30, 0x1.98f55662481e9p-33, -0x1.a6427f4858fc5p-36,
   0x1.acba42bbc739bp-39, 0x1.1a8c3738851b8p-60,}, /* [6, 6.5) */
  {0x1.da2cad4855d33p-5, -0x1.0dd421075f5aap-7, 0x1.2d6b58be4ea4ep-10, -0x1.4acbd891154abp-13,
   0x1.64f5a03e4ade1p-16, -0x1.7b07ab06b3bdfp-19, 0x1.8c4c54b16d61ap-22, -0x1.984269ce0b268p-25,
   0x1.9ea25bc8c3ad1p-28, -0x1.9f5f16977964fp-31, 0x1.9aa4e56a9b18dp-34, -0x1.91fd3ffc91ed1p-37,
   0x1.8386ab94db4a4p-40, 0x1.067d4bf689709p-59,}, /* [6.5, 7) */
  {0x1.baa643d0bc394p-5, -0x1.d7697206344a4p-8, 0x1.edd68f639abf1p-11, -0x1.fd4001a9566c2p-14,
   0x1.02a46f112368fp-16, -0x1.02f30241c1172p-19, 0x1.ff59c07654a5p-23, -0x1.f22aca0f0fb69p-26,
   0x1.df17cb2bebd8fp-29, -0x1.c708648d12699p-32, 0x1.aaff01ef475f7p-35, -0x1.8d13ec2070ddap-38,
   0x1.6c1c1345f601dp-41, -0x1.2872745f659d7p-60,}, /* [7, 7.5) */
  {0x1.9eff960c1b22bp-5, -0x1.9f2e786246dc4p-8, 0x1.99522d9ccfa9fp-11, -0x1.8de7aedd23f76p-14,
   0x1.7d9bc3694d25dp-17, -0x1.693d47280f4f9p-20, 0x1.51aeefc53e995p-23, -0x1.37d9aca114232p-26,
   0x1.1ca0847bda0dp-29, -0x1.00d66950698cfp-32, 0x1.ca6e93b36cc02p-36, -0x1.95bd4c124c4dfp-39,
   0x1.62830328342efp-42, -0x1.618c3e874252fp-60,}, /* [7.5, 8) */
  {0x1.868e8a7fd36a7p-5, -0x1.70551a5c57d15p-8, 0x1.56d8ea131b52p-11, -0x1.3b1e14b84dbb9p-14,
   0x1.1e1e4b50b2892p-17, -0x1.00bdf3daae1a5p-20, 0x1.c788a743e5a94p-24, -0x1.8fad8b2429681p-27,
   0x1.5aed7e67bbe16p-30, -0x1.2a0451f2033a6p-33, 0x1.fad7ed35d8703p-37, -0x1.abb51f40eadbbp-40,
   0x1.64af0c5749b2cp-43, -0x1.2eb7c4ee116d7p-67,}, /* [8, 8.5) */
  {0x1.70cd6ecd2d1d2p-5, -0x1.48e88336834c6p-8, 0x1.21e3e931b031cp-11, -0x1.f934b15c6e55cp-15,
   0x1.b36306647b5abp-18, -0x1.73381e5391ecap-21, 0x1.393c37b625781p-24, -0x1.05a6e82a88415p-27,
   0x1.b0da9caf1b6bbp-31, -0x1.62a15379124cp-34, 0x1.1fd9818e4f894p-37, -0x1.cffe3c85aaad5p-41,
   0x1.71e8eb7e203e5p-44, -0x1.b8b99083949f3p-60,}, /* [8.5, 9) */
  {0x1.5d51cf8a05c9fp-5, -0x1.276ed16b2ce13p-8, 0x1.ee6b59867967p-12, -0x1.99759c3d1d9b3p-15,
   0x1.4fb5cdfcf2b94p-18, -0x1.1091e73b728b6p-21, 0x1.b66ce2af2df65p-25, -0x1.5d5a959845878p-28,
   0x1.13e12dd55f6adp-31, -0x1.afe68d43622p-35, 0x1.4f3099c4700dcp-38, -0x1.026fd62bc8a4bp-41,
   0x1.8a87a553ede17p-45, 0x1.6faf2e29a23d2p-59,}, /* [9, 9.5) */
  {0x1.4bc5ec31f3a31p-5, -0x1.0ac6d8189d91fp-8, 0x1.a8e534fce65p-12, -0x1.4f31f7c034325p-15,
   0x1.0604f0aa6b2a2p-18, -0x1.95fea4d9c230fp-22, 0x1.37d059cf65877p-25, -0x1.dae88739bbf92p-29,
   0x1.66aa76a2b7366p-32, -0x1.0cb01b49b5c87p-35, 0x1.8f62f173cb8b1p-39, -0x1.2708f13212e62p-42,
   0x1.afdbe25e5f496p-46, 0x1.29841e5064c9ap-59,}, /* [9.5, 10) */
  {0x1.3be3f4b011168p-5, -0x1.e420ddd6c01d5p-9, 0x1.6fb9a49f80ecp-12, -0x1.14eae8dd93e91p-15,
   0x1.9d9548736d2e9p-19, -0x1.3253d85cff101p-22, 0x1.c2279a5b31265p-26, -0x1.482d3f9e6f9edp-29,
   0x1.dada0da658beep-33, -0x1.54f9a1a5de85dp-36, 0x1.e61ad6227a3fap-40, -0x1.588e6f13a6bf2p-43,
   0x1.e44106dd22ddap-47, -0x1.249ec13a9fcccp-59,}, /* [10, 10.5) */
  {0x1.2d72860e37a4dp-5, -0x1.b9378d144fc9ep-9, 0x1.404cd1248249fp-12, -0x1.cd63573573c38p-16,
   0x1.49c2519310517p-19, -0x1.d3d28f2efbbe9p-23, 0x1.4967729fed7afp-26, -0x1.cc8a1527d1e81p-30,
   0x1.3faac6a70a2cbp-33, -0x1.b8b3244c4ec3p-37, 0x1.2db7a81b4606p-40, -0x1.9af8ab2c83df1p-44,
   0x1.15a88eb93fbd9p-47, -0x1.d888d3c3ff18p-61,}, /* [10.5, 11) */
  {0x1.204209712d63dp-5, -0x1.93bafb0dc8509p-9, 0x1.18a43adf22cb9p-12, -0x1.8356b5ffe5b74p-16,
   0x1.09685ce6a8d7fp-19, -0x1.6931ef8da0b98p-23, 0x1.e835692df7c61p-27, -0x1.47bdd418e4ed6p-30,
   0x1.b5276ec72a6fp-34, -0x1.21ac12097947fp-37, 0x1.7d7810ca42d57p-41, -0x1.f3e87674171c7p-45,
   0x1.451fcdc6c412cp-48, 0x1.fb23e42212f95p-59,}, /* [11, 11.5) */
  {0x1.142ab60052c49p-5, -0x1.72cbf664ea2b4p-9, 0x1.ee76871b6666fp-13, -0x1.477c877729466p-16,
   0x1.aef4048c38f27p-20, -0x1.19bb9cd18b9dp-23, 0x1.6e09da09a7a2cp-27, -0x1.d8a0197f82926p-31,
   0x1.2f44750e7bc15p-34, -0x1.82dd236dff5d1p-38, 0x1.ea99e6c7186bap-42, -0x1.35a97e73256f8p-45,
   0x1.8432c0f8f23ddp-49, -0x1.96741db487487p-62,}, /* [11.5, 12) */
  {0x1.090b09bddb32cp-5, -0x1.55b62945dfaadp-9, 0x1.b5c9122df9fa9p-13, -0x1.16b3e4720bd48p-16,
   0x1.60b38beafba6bp-20, -0x1.bbaf76d3d4f33p-24, 0x1.156f14110c9f5p-27, -0x1.58f494203872cp-31,
   0x1.aa7a551d8bdb8p-35, -0x1.0629766866bf7p-38, 0x1.408a0ed654f24p-42, -0x1.863f4ca4b4026p-46,
   0x1.d80877c092348p-50, -0x1.d892e7584b1e7p-61,}, /* [12, 12.5) */
  {0x1.fd8d34a831a8p-6, -0x1.3be6a39de992cp-9, 0x1.8567f92159897p-13, -0x1.dd4307c768673p-17,
   0x1.22d1ddce4ae7dp-20, -0x1.6074a0a9b3c16p-24, 0x1.a8d24bd7f11bp-28, -0x1.fd4ae3a9e5abep-32,
   0x1.2fa9e6d3a5e8bp-35, -0x1.683a63ed1277bp-39, 0x1.a922367817ae3p-43, -0x1.f3bb660f9d19cp-47,
   0x1.23ed191bcadbdp-50, 0x1.0bc6a000dc798p-60,}, /* [12.5, 13) */
  {0x1.ea8a4f6bea76p-6, -0x1.24e4bbf29daa6p-9, 0x1.5bde088554f0ep-13, -0x1.9af44c111ba2bp-17,
   0x1.e2ee61ca8389p-21, -0x1.1a49e88a45515p-24, 0x1.4854b8756487ap-28, -0x1.7bf6d394c94a6p-32,
   0x1.b58a27d34a8d6p-36, -0x1.f561207064b29p-40, 0x1.1de246fc9a535p-43, -0x1.44cc4e76ef797p-47,
   0x1.6ee82072c6873p-51, -0x1.3326b633d8814p-60,}, /* [13, 13.5) */
  {0x1.d8e3c11cd9536p-6, -0x1.104ca43c50b28p-9, 0x1.3801b54ba8247p-13, -0x1.63b97a6ebbbc6p-17,
   0x1.9394051fb3a21p-21, -0x1.c7a79b19129a8p-25, 0x1.ffff4e5bf0784p-29, -0x1.1e4cd701714b5p-32,
   0x1.3eb3cd2006f3dp-36, -0x1.61259acad5765p-40, 0x1.858bae4c96d82p-44, -0x1.ac2ee30597b9ep-48,
   0x1.d4222473a3e0dp-52, -0x1.8f3325074d6e3p-61,}, /* [13.5, 14) */
  {0x1.c87599881f0e6p-6, -0x1.fb968007bc3b4p-10, 0x1.18e3e04eda653p-13, -0x1.356ebf36892c1p-17,
   0x1.534f80920e7bp-21, -0x1.7263574a74808p-25, 0x1.9281234a73d22p-29, -0x1.b379b1bc92b19p-33,
   0x1.d5181fdb620fp-37, -0x1.f722558bd130cp-41, 0x1.0cace938833bdp-44, -0x1.1dff000c15d4p-48,
   0x1.2ee64c81919cfp-52, 0x1.64ce9ed3edca7p-67,}, /* [14, 14.5) */
  {0x1.b920aac0c331p-6, -0x1.da35d38f73e15p-10, 0x1.fb85dc422ea14p-14, -0x1.0e676b12d0c84p-17,
   0x1.1ee5daefb5ff8p-21, -0x1.2f1aa5f7668b2p-25, 0x1.3ee1a7f093b1cp-29, -0x1.4e16bc3b70a8p-33,
   0x1.5c964d405c111p-37, -0x1.6a3ddd902fa1p-41, 0x1.76ecadfedad02p-45, -0x1.82d6a6d824d43p-49,
   0x1.8d3c59b226803p-53, -0x1.38fe6c949a873p-60,}, /* [14.5, 15) */
  {0x1.aac9c6b4f2b52p-6, -0x1.bc01d8cc1062ap-10, 0x1.cc0209398b8e5p-14, -0x1.daa2ab1275006p-18,
   0x1.e7bf8afd027c7p-22, -0x1.f338850fb9f27p-26, 0x1.fcf20700dffd7p-30, -0x1.026abdebe71aep-33,
   0x1.0568cf77df6f1p-37, -0x1.076d563fcd536p-41, 0x1.0875506485c2fp-45, -0x1.08b5b62e23746p-49,
   0x1.07c6251567e73p-53, 0x1.ec0a43b58249fp-61,}, /* [15, 15.5) */
  {0x1.9d5920b59c05ap-6, -0x1.a0970a7dcf873p-10, 0x1.a23930e1de462p-14, -0x1.a23f75283e0b9p-18,
   0x1.a0ae63904cadbp-22, -0x1.9d8f07a3b6852p-26, 0x1.98eeac862af37p-30, -0x1.92de8b60cf25ap-34,
   0x1.8b736a627bea8p-38, -0x1.82c529ab9ec04p-42, 0x1.78ee61d3cb827p-46, -0x1.6e5135a8e46e1p-50,
   0x1.627e6eafe81fcp-54, -0x1.fdd3a975012cep-60,}, /* [15.5, 16) */
  {0x1.90b9cb714d444p-6, -0x1.87a09e30ebb74p-10, 0x1.7d5563ceef0e2p-14, -0x1.71f6f0eaf9a3fp-18,
   0x1.65a5c81260e72p-22, -0x1.58838b430b708p-26, 0x1.4ab270618c09fp-30, -0x1.3c54bb6ce108cp-34,
   0x1.2d8c40e36deadp-38, -0x1.1e79eed94ce72p-42, 0x1.0f3d7425845ccp-46, -0x1.0022af4039b75p-50,
   0x1.e1cde356891dap-55, 0x1.0f7043624fdedp-63,}, /* [16, 16.5) */
  {0x1.84d94d9df6ebep-6, -0x1.70d5fbe4e61adp-10, 0x1.5ca4f52b03e33p-14, -0x1.486e694a02fd8p-18,
   0x1.3457bc6230745p-22, -0x1.2083370b40c07p-26, 0x1.0d0fcb1171baep-30, -0x1.f431d848a9a39p-35,
   0x1.cf6cf6e069baep-39, -0x1.abf984bc7d33dp-43, 0x1.89f912cfdc8dep-47, -0x1.69c394904fd0dp-51,
   0x1.4aecff08fa2a5p-55, -0x1.ffff54a4d22fep-64,}, /* [16.5, 17) */
  {0x1.79a748d897efep-6, -0x1.5bf8b3bf966d4p-10, 0x1.3f938704e10c8p-14, -0x1.248cba1bee95dp-18,
   0x1.0af397b0f4c08p-22, -0x1.e5a43a0f7c1c7p-27, 0x1.b85acc33f2f21p-31, -0x1.8e0c45a3dcaf8p-35,
   0x1.66b223ed6b50fp-39, -0x1.423efa1644cd8p-43, 0x1.209f7868d2918p-47, -0x1.01e4b36e1d85fp-51,
   0x1.cb35845462f39p-56, -0x1.c7e1fefab31ep-62,}, /* [17, 17.5) */
  {0x1.6f152f3c112cbp-6, -0x1.48d2d6a05778fp-10, 0x1.25a49118113f5p-14, -0x1.056c8de1723dbp-18,
   0x1.d011d8fb416cap-23, -0x1.9aa968d4c7c82p-27, 0x1.6a517288a1b0fp-31, -0x1.3eb8d30791bdbp-35,
   0x1.178d0d8a82b69p-39, -0x1.e8f7187456c7ep-44, 0x1.aa657da25ef12p-48, -0x1.72fe6b4ad74edp-52,
   0x1.41af0f675e9fp-56, -0x1.869fe8344df01p-61,}, /* [17.5, 18) */
  {0x1.651604eede5f6p-6, -0x1.37359ccdc043fp-10, 0x1.0e6f0a1788ee9p-14, -0x1.d4a3874562902p-19,
   0x1.94e378fb5c2fp-23, -0x1.5cd04155e21a2p-27, 0x1.2ba7be3bb6d15p-31, -0x1.00b40cd323a65p-35,
   0x1.b697e6bccc21dp-40, -0x1.75a60a2c4eb29p-44, 0x1.3d7328101469p-48, -0x1.0d1fb3dc929cdp-52,
   0x1.c6d278f7f2f7ep-57, -0x1.03802d7d50fadp-60,}, /* [18, 18.5) */
  {0x1.5b9e2b799e60ap-6, -0x1.26f84abdcbc7fp-10, 0x1.f333e3339250fp-15, -0x1.a542690d5dae1p-19,
   0x1.628405fa2240bp-23, -0x1.298a0272b53e2p-27, 0x1.f219093c9e8e6p-32, -0x1.9fcfb97b9acc1p-36,
   0x1.5a337bfbaefd7p-40, -0x1.1f7ce6d8e96c6p-44, 0x1.dc38951f99ea9p-49, -0x1.899ec81e8c0d8p-53,
   0x1.4456475109b32p-57, 0x1.24997c8ba8512p-60,}, /* [18.5, 19) */
  {0x1.52a3352950857p-6, -0x1.17f7478e8481p-10, 0x1.cdb311d91a401p-15, -0x1.7bb48bf1cef3ap-19,
   0x1.37765e8b50bd9p-23, -0x1.fda747471fd1cp-28, 0x1.9fe9e382886aep-32, -0x1.528defb9b9d81p-36,
   0x1.12e3e2e4ca418p-40, -0x1.bd47b5943d37ep-45, 0x1.67bf90ee8214fp-49, -0x1.22141a933f2dep-53,
   0x1.d26b2c9696158p-58, -0x1.35dca57b7202ap-61,}, /* [19, 19.5) */
  {0x1.4a1bbf181f36dp-6, -0x1.0a135b7cdd662p-10, 0x1.abda29fdecc4fp-15, -0x1.5723b6c383097p-19,
   0x1.12851925c1539p-23, -0x1.b62b16c35c1a6p-28, 0x1.5cd5b30f7e63ap-32, -0x1.150b1ae40d6e6p-36,
   0x1.b6ff77829ff62p-41, -0x1.5afc3e37d15bdp-45, 0x1.119c015de26adp-49, -0x1.aeb23a5335ecdp-54,
   0x1.52075a032a001p-58, -0x1.3899fef1d4299p-60,}, /* [19.5, 20) */
  {0x1.41ff50bc790efp-6, -0x1.fa621d745c499p-11, 0x1.8d3a18d6a8601p-15, -0x1.36dcac3a65528p-19,
   0x1.e5676e6011d6cp-24, -0x1.7a168d70d03bcp-28, 0x1.25d08f8c61d45p-32, -0x1.c799132f0864ap-37,
   0x1.606c5a29f295ep-41, -0x1.0ffe55d42e779p-45, 0x1.a2e3eb51d675p-50, -0x1.41fcb38340108p-54,
   0x1.edaad23e6069fp-59, -0x1.77aaaa3a295b2p-61,}, /* [20, 20.5) */
  {0x1.3a4640148ffd7p-6, -0x1.e270453150ba1p-11, 0x1.71733695a4c9dp-15, -0x1.1a48cd150171dp-19,
   0x1.ae664f33751acp-24, -0x1.47624a4167621p-28, 0x1.f0f24ce1027d4p-33, -0x1.7855d46db04adp-37,
   0x1.1c5fac59f042dp-41, -0x1.acd586f7e3b03p-46, 0x1.42a447ee0ad47p-50, -0x1.e4aa5a81cffb3p-55,
   0x1.6b16bc6fd7c0ep-59, -0x1.20632fa6d67c4p-62,}, /* [20.5, 21) */
  {0x1.32e999af70083p-6, -0x1.cc26408534585p-11, 0x1.5832d6fb458bp-15, -0x1.00e8ffd3fe8dcp-19,
   0x1.7eb19adbbb5cp-24, -0x1.1c6c65a1a77b8p-28, 0x1.a5e14b02f94b4p-33, -0x1.3839a99f707e8p-37,
   0x1.cd2d6ed0800d9p-42, -0x1.53e31ce17d804p-46, 0x1.f3f544ad002dep-51, -0x1.6f1bcbe43c516p-55,
   0x1.0ce52e7032d58p-59, -0x1.29180c531fa87p-61,}, /* [21, 21.5) */
  {0x1.2be30bf741d62p-6, -0x1.b75df24bcbdb6p-11, 0x1.413147bd47053p-15, -0x1.d4a32eff8ae02p-20,
   0x1.552ee5cb5071p-24, -0x1.efc5d943cf674p-29, 0x1.67795fbdd2ecep-33, -0x1.041f4d6542c7ep-37,
   0x1.77b4a20cec0e4p-42, -0x1.0ec8b7db8e942p-46, 0x1.858e1bb4f769ep-51, -0x1.17c6084b2e19dp-55,
   0x1.90e9170424c92p-60, 0x1.6679b343d59ccp-60,}, /* [21.5, 22) */
  {0x1.252cd53be1cc9p-6, -0x1.a3f56bfac9112p-11, 0x1.2c302781feabap-15, -0x1.ac4e06ac9c4c1p-20,
   0x1.30f36efcff629p-24, -0x1.b166885075fb9p-29, 0x1.336167047334dp-33, -0x1.b32a965d1c0edp-38,
   0x1.33729deed6fa1p-42, -0x1.b1997da835a48p-47, 0x1.312d79c016c6p-51, -0x1.acf0a41283172p-56,
   0x1.2cc39c5208366p-60, 0x1.701de84083ec6p-60,}, /* [22, 22.5) */
  {0x1.1ec1b41331427p-6, -0x1.91ce63f2b51aep-11, 0x1.18f904a4815a5p-15, -0x1.88363b3374455p-20,
   0x1.113b46f65889fp-24, -0x1.7bfa8545c0747p-29, 0x1.07b96795e7b59p-33, -0x1.6d66482c4e964p-38,
   0x1.f95823360e99fp-43, -0x1.5cce06bcf0d05p-47, 0x1.e0a32b22cf8b7p-52, -0x1.4aac56fd0fa1fp-56,
   0x1.c602bfd108f9ep-61, 0x1.7459e7248be0ap-61,}, /* [22.5, 23) */
  {0x1.189cd9b68be96p-6, -0x1.80cdc0002be35p-11, 0x1.075c366c0636cp-15, -0x1.67d5f221e7d1cp-20,
   0x1.eac47f63c858fp-25, -0x1.4e123af68075ap-29, 0x1.c60091dc8f52ep-34, -0x1.33f29136f7a9bp-38,
   0x1.a105b62d7bb5dp-43, -0x1.19deda2cf8224p-47, 0x1.7c5ff4e8a1978p-52, -0x1.004c44a686245p-56,
   0x1.58ab2c7b6edd4p-61, -0x1.6ec4cbf0b4c4fp-60,}, /* [23, 23.5) */
  {0x1.12b9de1376a9cp-6, -0x1.70db30be822f5p-11, 0x1.ee5fcc24152f2p-16, -0x1.4aba27d1a43bap-20,
   0x1.b9bc8472b34c8p-25, -0x1.267f01ce105c1p-29, 0x1.87ff419babef5p-34, -0x1.04720826836bp-38,
   0x1.597f60a1748d4p-43, -0x1.c98d85270dafp-48, 0x1.2e77c101e7235p-52, -0x1.8f5dd29aa7babp-57,
   0x1.072025618d556p-61, -0x1.52ad376deab79p-60,}, /* [23.5, 24) */
  {0x1.0d14b5519c13cp-6, -0x1.61e0db25ae1e8p-11, 0x1.d09e7e1c4153cp-16, -0x1.307fb82dbe08bp-20,
   0x1.8e757b76a7443p-25, -0x1.0446a587b6029p-29, 0x1.537831a7cd6cep-34, -0x1.ba09160711928p-39,
   0x1.1f53bd9d7ab2bp-43, -0x1.74ed070d9b7ddp-48, 0x1.e33efd5ad150dp-53, -0x1.38b3bc747054ap-57,
   0x1.93e939be09ecep-62, 0x1.be2bf515ec823p-60,}, /* [24, 24.5) */
  {0x1.07a9a69a04c1fp-6, -0x1.53cb0e08122b1p-11, 0x1.b5337f8d69329p-16, -0x1.18d0eb21dea5fp-20,
   0x1.6829ea8264f35p-25, -0x1.cd3300d07493bp-30, 0x1.26d2a063985b6p-34, -0x1.78570f8a8eb46p-39,
   0x1.dfa52f3876291p-44, -0x1.312d8e86d2587p-48, 0x1.83bde77ac7466p-53, -0x1.ec0a064d32f52p-58,
   0x1.379de50beec6dp-62, -0x1.ef18c81173f31p-60,}, /* [24.5, 25) */
  {0x1.027543f39a3f9p-6, -0x1.468801a7f18b6p-11, 0x1.9be54a2b4f233p-16, -0x1.03636bd8bbb82p-20,
   0x1.4631fca372551p-25, -0x1.99953302cd98ap-30, 0x1.00c0cbbeb388p-34, -0x1.416990878492p-39,
   0x1.91bfd9e39a352p-44, -0x1.f56a0a5545473p-49, 0x1.386f5b480b92fp-53, -0x1.84e6dc496900bp-58,
   0x1.e33826a5d9e11p-63, -0x1.eb432284abfeep-60,}, /* [25, 25.5) */
  {0x1.fae8c61f7b0d2p-7, -0x1.3a079fdcc0f34p-11, 0x1.8480d83485adep-16, -0x1.dfed2dfc81bcap-21,
   0x1.27fe99aaa40bep-25, -0x1.6c92abf3e3ccap-30, 0x1.c06232ec7e226p-35, -0x1.1354474f85e5bp-39,
   0x1.51a40a218c95cp-44, -0x1.9d74f4a875f0bp-49, 0x1.f991ce5edc056p-54, -0x1.34c01ccbe71d4p-58,
   0x1.787545bd02d53p-63, -0x1.5c101288399cfp-64,}, /* [25.5, 26) */
  {0x1.f1482dcea3d02p-7, -0x1.2e3b538208962p-11, 0x1.6ed8cd4db9ddfp-16, -0x1.bca4205d7d62ep-21,
   0x1.0d156084816cep-25, -0x1.4538ce706b50bp-30, 0x1.8884c830edc26p-35, -0x1.d9138de02c0e4p-40,
   0x1.1caf73c319b81p-44, -0x1.5627fca758aep-49, 0x1.9aa8c536df871p-54, -0x1.ec564504a78dp-59,
   0x1.26a3fbea1c14ap-63, 0x1.11f0d84de9db3p-61,}, /* [26, 26.5) */
  {0x1.e803541a8f59fp-7, -0x1.2315de1f1fab5p-11, 0x1.5ac4be866795cp-16, -0x1.9c8923b17027p-21,
   0x1.ea1ab013d52a8p-26, -0x1.22bb66be622e1p-30, 0x1.58756f2dac7ecp-35, -0x1.978fe38b6e12ap-40,
   0x1.e1937b90559f5p-45, -0x1.1c2246be7c5cep-49, 0x1.4ed5acc68f29bp-54, -0x1.8a2a46170a5cfp-59,
   0x1.cf44274c98414p-64, 0x1.5c1c36c73ac04p-61,}, /* [26.5, 27) */
  {0x1.df15333f3387cp-7, -0x1.188b32e306dd2p-11, 0x1.4820948bd71b9p-16, -0x1.7f45da9794e18p-21,
   0x1.bf1866c2538d3p-26, -0x1.046e08d717b65p-30, 0x1.2effe6aa638cbp-35, -0x1.60116123f92acp-40,
   0x1.988cf8e18c4cap-45, -0x1.d97b32ad41265p-50, 0x1.1203003f2c7dbp-54, -0x1.3cd3a52050dc5p-59,
   0x1.6dc415fe92688p-64, 0x1.bdd0f9ad2866ep-64,}, /* [27, 27.5) */
  {0x1.d6792185f3d31p-7, -0x1.0e905633e7f8bp-11, 0x1.36cc03ed7fcc5p-16, -0x1.648e654431f45p-21,
   0x1.98881c5c7a735p-26, -0x1.d37d566636aa9p-31, 0x1.0b23cff259218p-35, -0x1.30ebed1c99b3bp-40,
   0x1.5b9c29c69b396p-45, -0x1.8bc78066faaeap-50, 0x1.c20ff11d01caep-55, -0x1.ff491e2fc6dp-60,
   0x1.21fc479fd363ap-64, 0x1.53ffee3cddc8fp-61,}, /* [27.5, 28) */
  {0x1.ce2ac930558c9p-7, -0x1.051b412fbddb7p-11, 0x1.26aa180a55178p-16, -0x1.4c1ff37e50fb4p-21,
   0x1.75e314d199a57p-26, -0x1.a4627dd2ac2dap-31, 0x1.d8167e6918c4ep-36, -0x1.08c0a2d385beap-40,
   0x1.2897bae8b3baap-45, -0x1.4bdc5cdd0eaa6p-50, 0x1.72e0305c21ff5p-55, -0x1.9e1513ed02aep-60,
   0x1.cda7ed0b7cb2ep-65, 0x1.1f17ef9713ccap-61,}, /* [28, 28.5) */
  {0x1.c6262138bc3d8p-7, -0x1.f8459129170d5p-12, 0x1.17a0cdd187913p-16, -0x1.35bf8dba4da4ap-21,
   0x1.56b47c25cf428p-26, -0x1.7ab826aabf1ecp-31, 0x1.a206459a5de26p-36, -0x1.ccddca51974b9p-41,
   0x1.fb80ea88d972p-46, -0x1.171a93bde0d7cp-50, 0x1.32a1aaa413067p-55, -0x1.50904dbcfb9adp-60,
   0x1.70e71b35e7316p-65, 0x1.3fe04664e9f52p-61,}, /* [28.5, 29) */
  {0x1.be6766cfd1ca7p-7, -0x1.e73d0d3687f5fp-12, 0x1.0998bbf983a95p-16, -0x1.21390c422da14p-21,
   0x1.3a96c505f3e03p-26, -0x1.55c9bbca2b779p-31, 0x1.72ea3f7018983p-36, -0x1.921107d524131p-41,
   0x1.b35723a382744p-46, -0x1.d6d5e3abeac88p-51, 0x1.fca6c78405aedp-56, -0x1.1281deaeef8d7p-60,
   0x1.27e407bf2924p-65, 0x1.0db25efa63e0bp-63,}, /* [29, 29.5) */
  {0x1.b6eb17809d8dcp-7, -0x1.d70d8ec3ad0c9p-12, 0x1.f8f98d655816bp-17, -0x1.0e5e34f8c5025p-21,
   0x1.21317364e334dp-26, -0x1.34fc8d949f5c7p-31, 0x1.49c52dcf5de89p-36, -0x1.5f90910c9b9abp-41,
   0x1.76637ad32f94fp-46, -0x1.8e422882458a4p-51, 0x1.a730470f171fp-56, -0x1.c14a8331cee53p-61,
   0x1.dc617eb7ba488p-66, -0x1.8563e16fd47f6p-62,}, /* [29.5, 30) */
  {0x1.afadebe82e40cp-7, -0x1.c7a8ef1eaf3bap-12, 0x1.e073ba5934ce3p-17, -0x1.fa0bf3246b9bep-22,
   0x1.0a3740638a6b3p-26, -0x1.17cbc34a5d4fcp-31, 0x1.25c12f7ece829p-36, -0x1.3414cbb5c5ba2p-41,
   0x1.42c3767d40d19p-46, -0x1.51c9a4a7b3991p-51, 0x1.6123622b9b748p-56, -0x1.70e0ad5378647p-61,
   0x1.80d4d7dd8377ap-66, 0x1.2a8d8d86faff9p-61,}, /* [30, 30.5) */
  {0x1.a8acd2f030915p-7, -0x1.b90229d2e5a8cp-12, 0x1.c97d7f0fc247cp-17, -0x1.da17a2569fc5bp-22,
   0x1.eac91084bfc59p-27, -0x1.fb89f8d931743p-32, 0x1.06292158bff87p-36, -0x1.0e8cc9e4b8633p-41,
   0x1.16ebab7bc307bp-46, -0x1.1f41615e4e3b7p-51, 0x1.278971b49025bp-56, -0x1.2fcf8f06816b3p-61,
   0x1.37ef06dde3277p-66, -0x1.1abf5a38fa377p-61,}, /* [30.5, 31) */
  {0x1.a1e4ed7de889dp-7, -0x1.ab0d413939e91p-12, 0x1.b3f7980bf8637p-17, -0x1.bc9e520c7542dp-22,
   0x1.c4fbebcde0315p-27, -0x1.cd0b045375539p-32, 0x1.d4c662ea691ep-37, -0x1.dc28fce1883c8p-42,
   0x1.e32dfb15a31d1p-47, -0x1.e9d0bec81e799p-52, 0x1.f00ce8c289769p-57, -0x1.f5f85f0874158p-62,
   0x1.fb5b7e265e4aep-67, -0x1.aeb720e980026p-61,}, /* [31, 31.5) */
  {0x1.9b538a88d4758p-7, -0x1.9dbf260261c6fp-12, 0x1.9fc5a4eee44e3p-17, -0x1.a165d1cf01cf6p-22,
   0x1.a29ec380826f9p-27, -0x1.a36fde00508c9p-32, 0x1.a3d8d2cc580a8p-37, -0x1.a3d9a0e54235ap-42,
   0x1.a3729470aa093p-47, -0x1.a2a445949d2e4p-52, 0x1.a16f9901e4c7ep-57, -0x1.9feaa237d6ef2p-62,
   0x1.9dece6f61a8f3p-67, 0x1.0d7e5b9578f45p-62,}, /* [31.5, 32) */
  {0x1.94f6238dd0432p-7, -0x1.910da15e056d5p-12, 0x1.8ccdda1d95f28p-17, -0x1.883a1045be946p-22,
   0x1.8355b74be0f32p-27, -0x1.7e246f6b1918bp-32, 0x1.78aa014bc577fp-37, -0x1.72ea59900d496p-42,
   0x1.6ce9844c709eep-47, -0x1.66aba81f3bbacp-52, 0x1.603502e8ebb0cp-57, -0x1.599abb8917d58p-62,
   0x1.52bf1fef5161bp-67, 0x1.cb73c95f8c5a1p-61,}, /* [32, 32.5) */
  {0x1.8eca5954ea4a4p-7, -0x1.84ef416e743bbp-12, 0x1.7af8bbbeaa53ap-17, -0x1.70ec61c28d7e3p-22,
   0x1.66cfb18d8470bp-27, -0x1.5ca8095ff57afp-32, 0x1.527aa38a2346ep-37, -0x1.484c929e80d7bp-42,
   0x1.3e22bdf609523p-47, -0x1.3401de447896ap-52, 0x1.29ee7bd8c1bc8p-57, -0x1.1ffa898e3758bp-62,
   0x1.160e695982098p-67, -0x1.c286da6f32065p-62,}, /* [32.5, 33) */
  {0x1.88cdf10145db9p-7, -0x1.795b47c33bb58p-12, 0x1.6a30e0d3a1e49p-17, -0x1.5b52df1ca7f92p-22,
   0x1.4cc4ffdb5bbadp-27, -0x1.3e8a9bc88738p-32, 0x1.30a6a8aa2717dp-37, -0x1.231bbb460eeecp-42,
   0x1.15ec09ae0f432p-47, -0x1.09196da690708p-52, 0x1.f94ad0dbcce29p-58, -0x1.e1386242fb71ap-63,
   0x1.c9cff1037b519p-68, -0x1.f7fee11b73bbbp-61,}, /* [33, 33.5) */
  {0x1.82fed1636bf7dp-7, -0x1.6e49999e16cf1p-12, 0x1.5a62bd5fd2d15p-17, -0x1.4747d95df3137p-22,
   0x1.34f61ebc72c4dp-27, -0x1.236a5c28064bbp-32, 0x1.12a106d2c0a57p-37, -0x1.02964348a368ep-42,
   0x1.e68bdc24bf63cp-48, -0x1.c95747e131a3ep-53, 0x1.ad859570c978dp-58, -0x1.931f2b05a9bd3p-63,
   0x1.79f508030c2fep-68, -0x1.f8efecef7db24p-61,}, /* [33.5, 34) */
  {0x1.7d5b00874ca1ep-7, -0x1.63b2b1cd7f10ep-12, 0x1.4b7c72b543a11p-17, -0x1.34a95f50e8a9ap-22,
   0x1.1f2ab0aa9b7e7p-27, -0x1.0af1c83e96a9dp-32, 0x1.efe074d2fb8fep-38, -0x1.cc2fafa255107p-43,
   0x1.aab56b9ea0fa3p-48, -0x1.8b566b836c4b7p-53, 0x1.6df8185055a4fp-58, -0x1.528f36e51f4b9p-63,
   0x1.38e41ff2e22e9p-68, 0x1.544a0fbd61118p-62,}, /* [34, 34.5) */
  {0x1.77e0a177f8558p-7, -0x1.598f93eee0df3p-12, 0x1.3d6da520463bap-17, -0x1.2358d270cddf5p-22,
   0x1.0b3099c6ab26ap-27, -0x1.e9abeb4cd2244p-33, 0x1.c056aff1669a9p-38, -0x1.9a29473e20cf8p-43,
   0x1.76ee49f7cb5c2p-48, -0x1.567312e4d6891p-53, 0x1.3887ad6c797acp-58, -0x1.1d0ac269655e2p-63,
   0x1.03b866ff7031fp-68, -0x1.d628c90f0ef2fp-61,}, /* [34.5, 35) */
  {0x1.728df233c54c4p-7, -0x1.4fd9c0f03c114p-12, 0x1.30275646427dbp-17, -0x1.133a891e6e69bp-22,
   0x1.f1b67579ba87dp-28, -0x1.c1aa43d114a02p-33, 0x1.95ef2e468a483p-38, -0x1.6e2ac43707a6cp-43,
   0x1.4a0910f62ed08p-48, -0x1.293c3c2ec3641p-53, 0x1.0b7c2e627fdebp-58, -0x1.e12022e35a45ap-64,
   0x1.b04b1a8c65829p-69, 0x1.5c81768b11a1ep-61,}, /* [35, 35.5) */
  {0x1.6d6149cc2ae12p-7, -0x1.468b2cadf63dp-12, 0x1.239bc3a391dacp-17, -0x1.04357c4c638bdp-22,
   0x1.d0058c75490c2p-28, -0x1.9d6af165fce41p-33, 0x1.700c839058e47p-38, -0x1.47683cfc556fdp-43,
   0x1.2307b738ef713p-48, -0x1.027f3d7f6c57cp-53, 0x1.cad9df24fb748p-59, -0x1.97001c4f15d87p-64,
   0x1.68adb8a9a77bap-69, -0x1.d5146ff31f56ep-61,}, /* [35.5, 36) */
  {0x1.685916ad21768p-7, -0x1.3d9e348df30bdp-12, 0x1.17be48a8465e7p-17, -0x1.ec65fe338cc36p-23,
   0x1.b1075a27478f6p-28, -0x1.7c880f3e28cdap-33, 0x1.4e25ec938ef4bp-38, -0x1.2532ff6e35223p-43,
   0x1.01139c5b8fb7ap-48, -0x1.c279290f287afp-54, 0x1.8a63296efb582p-59, -0x1.5914b3265f32ep-64,
   0x1.2dab73b454694p-69, 0x1.f52e67b27dbd9p-61,}, /* [36, 36.5) */
  {0x1.6373dd0849525p-7, -0x1.350d96fcc21f6p-12, 0x1.0c834404c47eap-17, -0x1.d23cfe168fd4dp-23,
   0x1.947c3b9fceddbp-28, -0x1.5ea7b0d36838cp-33, 0x1.2fc45e0372fe1p-38, -0x1.06f50faef319cp-43,
   0x1.c6ee00881b339p-49, -0x1.893dab282fff2p-54, 0x1.53abe32b2a497p-59, -0x1.253b2af1956d4p-64,
   0x1.f9d75e18d53bcp-70, -0x1.80c530c7a3697p-61,}, /* [36.5, 37) */
  {0x1.5eb0356080ff6p-7, -0x1.2cd46bb4eef43p-12, 0x1.01dfffc5ae3ccp-17, -0x1.b9ca9785aeb33p-23,
   0x1.7a2b29bf1ce2p-28, -0x1.437a575f434f7p-33, 0x1.148006d05a562p-38, -0x1.d85ac9f951bfep-44,
   0x1.932f423e01f15p-49, -0x1.57e69afe50605p-54, 0x1.2520a4dccaa56p-59, -0x1.f36be055a4a88p-65,
   0x1.a916fbaa680e9p-70, 0x1.4aa181d444a25p-61,}, /* [37, 37.5) */
  {0x1.5a0ccb32edd4dp-7, -0x1.24ee1cbb4fe89p-12, 0x1.ef9537d641ddfp-18, -0x1.a2ecca7d7c5e7p-23,
   0x1.61e0f63926942p-28, -0x1.2ab99e73e2ea2p-33, 0x1.f7fc65ebda9c8p-39, -0x1.a8d98697f6fb9p-44,
   0x1.65e4924ad6325p-49, -0x1.2d48017ca366dp-54, 0x1.fae6b060da315p-60, -0x1.aa31c6379b09ep-65,
   0x1.660ae5ea4ed9ep-70, 0x1.1a507fe53c262p-63,}, /* [37.5, 38) */
  {0x1.55885bbac8c53p-7, -0x1.1d565ffda5716p-12, 0x1.dc73f6640e94cp-18, -0x1.8d849f97468f8p-23,
   0x1.4b6fa13c3d47ep-28, -0x1.1427176aa60cap-33, 0x1.cbdefe5910fe5p-39, -0x1.7ea62d0c73587p-44,
   0x1.3e2e4017bd25fp-49, -0x1.0865870533bb3p-54, 0x1.b71d3dcd7f263p-60, -0x1.6c7353813d2fap-65,
   0x1.2e3d470e25484p-70, -0x1.719569d1f5f06p-61,}, /* [38, 38.5) */
  {0x1.5121b4cd87f74p-7, -0x1.16093182fe858p-12, 0x1.ca4b639f06585p-18, -0x1.7975d9e47ac34p-23,
   0x1.36adc459afd63p-28, -0x1.ff16996623132p-34, 0x1.a41ca120ccc7bp-39, -0x1.591a728657df5p-44,
   0x1.1b4d390f566acp-49, -0x1.d0d4d324db8ep-55, 0x1.7d17461df3183p-60, -0x1.384658c907e19p-65,
   0x1.ff5ec7027e5cap-71, -0x1.917f74316e332p-68,}, /* [38.5, 39) */
  {0x1.4cd7b3cd3bff8p-7, -0x1.0f02ce1f3672p-12, 0x1.b90bebccdeb94p-18, -0x1.66a6b184f108bp-23,
   0x1.23760fcf149eap-28, -0x1.d969ce4f9691dp-34, 0x1.803b0b0709998p-39, -0x1.37a629b0748d3p-44,
   0x1.f93be49ae6147p-50, -0x1.9945c4adb48e6p-55, 0x1.4b53a92d4fa14p-60, -0x1.0c17237e9d443p-65,
   0x1.b183eed716734p-71, 0x1.e5e49c4c4c7e3p-61,}, /* [39, 39.5) */
  {0x1.48a944af2ee7ep-7, -0x1.083fae9c83ff7p-12, 0x1.a8a7230bc240bp-18, -0x1.54ff95e6436cep-23,
   0x1.11a6d7ba7f67fp-28, -0x1.b6efe0f50fb16p-34, 0x1.5fceadb8e1004p-39, -0x1.19cc17a941e6ep-44,
   0x1.c32854a15b6a8p-50, -0x1.68ed6b71e919p-55, 0x1.2090647d257bap-60, -0x1.cd30d4395b8ep-66,
   0x1.7044f80700d95p-71, 0x1.2256d515eabd9p-64,}, /* [39.5, 40) */
};
/* ---- end of mills table ---- */

/* G(a) = e^(a^2/2) Phi(-a) = e^(a^2/2) erfc(a / sqrt 2) / 2 for 0 <= a < 40, from the
 * degree-12 polynomial of its half-unit interval: returned unsummed as
 * c0_hi + (c0_lo + z P(z)), so that the sums built on it round once. Relative error
 * below 1.4e-16 (the generator's check); G is smooth and never underflows, unlike
 * Phi(-a) itself, and shares e^(-a^2/2) with phi. */
ENG_INLINE struct dd mills_G(double a)
{
  int i = (int)(a * 2);
  const double *c = mills[i];
  double z = a - (i * 0.5 + 0.25), acc = c[12];
  for (int k = 11; k >= 1; k--)
    acc = fma(acc, z, c[k]);
  return (struct dd){c[0], fma(acc, z, c[13])};
}

/* Exact form: y = x Phi(x), y' = Phi(x) + x phi(x), y'' = phi(x) (2 - x^2), with
 * phi(x) = e^(-x^2/2) / sqrt(2 pi). With a = |x|, E = e^(-a^2/2) and G = G(a) above,
 * Phi(-a) = E G and
 *   x < 0: y = x E G,        y' = E (G - a / sqrt(2 pi)),
 *   x > 0: y = x (1 - E G),  y' = 1 - E (G - a / sqrt(2 pi))   (y'(x) = 1 - y'(-x)),
 * and y'' = E (2 - a^2) / sqrt(2 pi) (even). -a^2/2 is formed exactly in two words
 * and E = e^hi (1 + lo) (the rounding of a^2 would cost a^2/2 ULP of E: 700 ULP at
 * the tail's end). Each result is one rounded sum of exact products, so the error is
 * that of exp and of the table, about one ULP; G - a / sqrt(2 pi), which cancels near
 * the zero of y' at -0.7518, is formed with the exact product and difference, and
 * within 0.15 of that zero the Taylor series of taylor.h takes over. Beyond |x| = 40
 * the limits are reached to the last bit; from a = 37.4 on, x < 0 gives subnormal
 * results, rounded once by exp_mul. */
ENG_INLINE void gelu_exact(double x, unsigned want, double *out)
{
  double a = fabs(x), Eh = 0, El, hh, hl, ph;
  struct dd x2, A, g, q, h;
  if (x <= -40) { /* |y|, |y'|, |y''| < 2^-1100: 0 with the sign of the truth */
    out[ENG_OUT_Y] = -0.0;
    out[ENG_OUT_DY] = -0.0;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  if (x >= 40) { /* Phi(x) = 1 and phi(x) < 2^-1100: y = x, y' = 1, y'' = -0 */
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  x2 = two_prod(a, a);
  A = (struct dd){-0.5 * x2.hi, -0.5 * x2.lo};
  g = mills_G(a);
  /* H = G - a / sqrt(2 pi) = hh + hl, hh + hl exact up to the table's z P(z) term */
  q = two_prod(a, INV_SQRT_2PI);
  h = two_sum(g.hi, -q.hi);
  hh = h.hi;
  hl = h.lo + g.lo - fma(a, INV_SQRT_2PI_LO, q.lo);
  if (A.hi < -700) { /* E < e^-700: x E G and E H may be subnormal */
    out[ENG_OUT_Y] = x > 0 ? x : exp_mul(A, x * (g.hi + g.lo));
    out[ENG_OUT_DY] = x > 0 ? 1 : exp_mul(A, hh + hl);
  } else {
    struct dd p = two_prod(Eh = exp(A.hi), g.hi);
    El = Eh * A.lo;
    ph = p.lo + fma(Eh, g.lo, El * (g.hi + g.lo)); /* E G = p.hi + ph */
    if (x < 0) {
      out[ENG_OUT_Y] = fma(x, p.hi, x * ph);
    } else {
      struct dd r = two_sum(1, -p.hi);
      out[ENG_OUT_Y] = fma(x, r.hi, x * (r.lo - ph));
    }
    if (WANT(DY)) {
      struct dd e = two_prod(Eh, hh);
      double el = e.lo + fma(Eh, hl, El * (hh + hl)); /* E H = e.hi + el */
      if (x > 0) {
        struct dd r = two_sum(1, -e.hi);
        out[ENG_OUT_DY] = r.hi + (r.lo - el);
      } else if (!near_zero(&eng__gelu_d1, x, 0.15, &out[ENG_OUT_DY])) {
        out[ENG_OUT_DY] = e.hi + el;
      }
    }
  }
  if (WANT(D2Y)) {
    /* (2 - a^2) / sqrt(2 pi) in two words: 2 - a^2 cancels near a = sqrt 2, exactly */
    struct dd d = two_sum(2, -x2.hi), dI;
    d.lo -= x2.lo;
    dI = dd_mul(d, (struct dd){INV_SQRT_2PI, INV_SQRT_2PI_LO});
    if (A.hi < -700) {
      out[ENG_OUT_D2Y] = exp_mul(A, dI.hi + dI.lo);
    } else {
      out[ENG_OUT_D2Y] = fma(Eh, dI.hi, Eh * fma(A.lo, dI.hi, dI.lo));
    }
  }
}

/* x sigmoid(w(x)) with w odd, written for a = |x| with W = |w(x)| >= 0 and
 * t = e^-W in (0, 1], d = 1 + t (two words): sigmoid(w) = t / d for x < 0, 1 / d for
 * x > 0, so y = x t / d or x / d, without 1 - (something near 1). */
ENG_INLINE double xsig_y(double x, struct dd t, struct dd d)
{
  struct dd q = x < 0 ? t : dd_of(1);
  double r = div_dd(q, d); /* relative error about 2^-104 of the quotient */
  return x * r;
}

/* tanh form: y = (x/2)(1 + tanh(v)), v = sqrt(2/pi)(x + 0.044715 x^3), which is
 * x sigmoid(w), w = 2 v = 2c (x + k x^3), c = sqrt(2/pi), k = 0.044715. With
 * a = |x|, W = |w|, t = e^-W, d = 1 + t and v = 1 + 3k x^2 (so w' = 2c v):
 *   y'  = t (d + x w') / d^2          for x < 0 (the zero near -0.7525 is in d + x w')
 *       = (d + t x w') / d^2          for x > 0 (positive terms)
 *   y'' = 4c t B / d^3, B = (1 + 6k x^2) d - c a v^2 (1 - t), for either sign
 *         (y'' is even: y(x) - y(-x) = x),
 * from y' = s + x s' w', y'' = s' (2 w' + x w'') + x s'' w'^2, s' = t / d^2,
 * s'' = s' (1 - 2 s). Written this way e^-W is a common factor, so its rounding is not
 * cancelled; the sums that cancel (d + x w' near the zero of y', B near the zeros of
 * y'' at +-1.4185) are formed in two words from exact products, and the Taylor series
 * of taylor.h take over where the rounding of t itself would be cancelled. w is
 * formed in two words (its rounding would cost W ULP of y in the tail). */
ENG_INLINE void gelu_tanh(double x, unsigned want, double *out)
{
  static const struct dd K = {K_HI, K_LO}, C2 = {TWO_C_HI, TWO_C_LO};
  double a = fabs(x);
  struct dd x2 = two_prod(a, a), kx2, W, t, d, v;
  if (!isfinite(x2.hi) || a > 0x1p340) { /* beyond 1e102, W overflows: x or -0 */
    out[ENG_OUT_Y] = x > 0 ? x : -0.0;
    out[ENG_OUT_DY] = x > 0 ? 1 : -0.0;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  kx2 = dd_mul(x2, K);
  W = dd_mul(dd_mul_d(dd_add_d(kx2, 1), a), C2);
  if (!isfinite(W.hi)) {
    out[ENG_OUT_Y] = x > 0 ? x : -0.0;
    out[ENG_OUT_DY] = x > 0 ? 1 : -0.0;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  v = dd_add_d(dd_mul_d(kx2, 3), 1);
  if (W.hi > 700) {
    /* t < e^-700: t / d = t and 1 / d = 1 to the last bit, so y = x t or x,
     * y' = t (1 + x w') or 1, y'' = 4c t (1 + 6k x^2 - c a v^2); the products with t,
     * which may be subnormal, are rounded once by exp_mul */
    struct dd nW = {-W.hi, -W.lo}, xw = dd_mul(dd_mul_d(v, x), C2), q;
    q = dd_mul(dd_mul_d(dd_mul(v, v), -a), C2); /* -2 c a v^2 */
    q = dd_add_d(dd_add(dd_mul_d(kx2, 12), q), 2); /* 2 (1 + 6k x^2 - c a v^2) */
    out[ENG_OUT_Y] = x > 0 ? x : exp_mul(nW, x);
    out[ENG_OUT_DY] = x > 0 ? 1 : exp_mul(nW, dd_add_d(xw, 1).hi);
    out[ENG_OUT_D2Y] = exp_mul(nW, fma(TWO_C_HI, q.hi, TWO_C_HI * q.lo + TWO_C_LO * q.hi));
    return;
  }
  t = exp_neg(W);
  d = dd_add_d(t, 1);
  out[ENG_OUT_Y] = xsig_y(x, t, d);
  if (WANT(DY) && !near_zero(&eng__gelu_tanh_d1, x, 0.3, &out[ENG_OUT_DY])) {
    struct dd xw = dd_mul(dd_mul_d(v, x), C2), n;
    n = x < 0 ? dd_mul(t, dd_add(d, xw)) : dd_add(d, dd_mul(t, xw));
    out[ENG_OUT_DY] = div_dd(n, dd_mul(d, d));
  }
  if (WANT(D2Y) && !near_zero(&eng__gelu_tanh_d2a, -a, 0.3, &out[ENG_OUT_D2Y])) {
    struct dd p6 = dd_add_d(dd_mul_d(kx2, 6), 1), omt = dd_add_d((struct dd){-t.hi, -t.lo}, 1);
    struct dd q = dd_mul(dd_mul_d(dd_mul(v, v), a), C2), B;
    q.hi *= 0.5; /* c a v^2 */
    q.lo *= 0.5;
    B = dd_add(dd_mul(p6, d), dd_mul((struct dd){-q.hi, -q.lo}, omt));
    B = dd_mul(dd_mul(B, t), C2);
    B.hi *= 2;
    B.lo *= 2;
    out[ENG_OUT_D2Y] = div_dd(B, dd_mul(dd_mul(d, d), d));
  }
}

/* sigmoid form: y = x sigmoid(u), u = 1.702 x (the decimal constant K in two words,
 * u in two words). As for the tanh form, with U = |u|, t = e^-U, d = 1 + t:
 *   y'  = t (d - U) / d^2 for x < 0 (zero at u = -1.2785), (d + U t) / d^2 for x > 0,
 *   y'' = K t (2 d - U (1 - t)) / d^3 (even; zeros at u = +-2.3994),
 * which are swish'(u) and K swish''(u) for swish(u) = u sigmoid(u): near their zeros
 * the swish series of taylor.h, evaluated at u (two words). */
ENG_INLINE void gelu_sigmoid(double x, unsigned want, double *out)
{
  double a = fabs(x);
  struct dd U = two_prod(SIG_K_HI, a), t, d, nU;
  U = dd_norm(U.hi, fma(SIG_K_LO, a, U.lo));
  if (!isfinite(U.hi)) { /* |x| > 1e308: x or -0 */
    out[ENG_OUT_Y] = x > 0 ? x : -0.0;
    out[ENG_OUT_DY] = x > 0 ? 1 : -0.0;
    out[ENG_OUT_D2Y] = -0.0;
    return;
  }
  nU = (struct dd){-U.hi, -U.lo};
  if (U.hi > 700) {
    /* t / d = t, 1 / d = 1 to the last bit (t < e^-700): y = x t or x,
     * y' = t (1 - U) or 1, y'' = K t (2 - U), rounded once by exp_mul */
    out[ENG_OUT_Y] = x > 0 ? x : exp_mul(nU, x);
    out[ENG_OUT_DY] = x > 0 ? 1 : exp_mul(nU, 1 - U.hi);
    out[ENG_OUT_D2Y] = exp_mul(nU, SIG_K_HI * (2 - U.hi));
    return;
  }
  t = exp_neg(U);
  d = dd_add_d(t, 1);
  out[ENG_OUT_Y] = xsig_y(x, t, d);
  if (WANT(DY) && !(x < 0 && taylor_eval(&eng__swish_g0, nU, &out[ENG_OUT_DY]))) {
    struct dd n = x < 0 ? dd_mul(t, dd_add(d, nU)) : dd_add(d, dd_mul(t, U));
    out[ENG_OUT_DY] = div_dd(n, dd_mul(d, d));
  }
  if (WANT(D2Y)) {
    double g;
    if (fabs(nU.hi - eng__swish_g1.u0_hi) < 0.5 && taylor_eval(&eng__swish_g1, nU, &g)) {
      out[ENG_OUT_D2Y] = fma(SIG_K_LO, g, SIG_K_HI * g);
    } else {
      struct dd omt = dd_add_d((struct dd){-t.hi, -t.lo}, 1), B;
      B = dd_add(dd_mul_d(d, 2), dd_mul(nU, omt));
      B = dd_mul(dd_mul(B, t), (struct dd){SIG_K_HI, SIG_K_LO});
      out[ENG_OUT_D2Y] = div_dd(B, dd_mul(dd_mul(d, d), d));
    }
  }
}

/* y = x Phi(x) exact, or the tanh form, or x sigmoid(1.702 x): p[0] = 0, 1, 2. */
ENG_KERNEL void eng__gelu_ew(double x, const double *p, unsigned want, double *out)
{
  if (p[0] == 0) {
    gelu_exact(x, want, out);
  } else if (p[0] == 1) {
    gelu_tanh(x, want, out);
  } else {
    gelu_sigmoid(x, want, out);
  }
}

/* mish: y = x T, T = tanh(softplus(x)).
 * For x <= 0, with t = e^x (no overflow), T = ((1 + t)^2 - 1) / ((1 + t)^2 + 1) = n / D,
 * n = t (t + 2), D = n + 2 = t^2 + 2t + 2, and, multiplied out,
 *   y'  = t B1 / D^2,     B1 = 4 (1 + x) + t (6 + 4x) + 4t^2 + t^3,
 *   y'' = 4 t B2 / D^3,   B2 = (4 + 2x) + t (8 + 2x) + t^2 (6 - 3x) + t^3 (2 - 2x).
 * For x > 0, with u = e^-x and E = 1 + 2u + 2u^2, T = (1 + 2u) / E and
 *   y'  = ((1 + 2u) E + 4 x u^2 (1 + u)) / E^2   (positive terms),
 *   y'' = u^2 B3 / E^3,   B3 = 8 (1 - x) + u (24 - 12x) + u^2 (32 + 8x) + u^3 (16 + 8x).
 * The polynomials in t are formed with the large first terms in two words (B1, B2 and
 * B3 cancel near the zeros of y' and y'', where the fixed parts 4 (1 + x), 4 + 2x and
 * 8 (1 - x) are exact), and e^x appears only as a factor and in small terms, so its
 * rounding is not magnified; within 0.3 of the zeros (-1.1924 for y', -2.2564 and
 * 1.4906 for y'') the Taylor series of taylor.h, where even that rounding would be.
 * Below x = -700, where t is subnormal and the factors are 1 to the last bit:
 * y = x e^x, y' = (1 + x) e^x, y'' = (2 + x) e^x, rounded once by exp_mul. */
ENG_KERNEL void eng__mish_ew(double x, const double *p, unsigned want, double *out)
{
  (void)p;
  if (x > 40) { /* u = e^-x: T = 1 - 2u^2 + ..., y' = 1 - O(x u^2), y'' = 8 (1 - x) u^2 */
    out[ENG_OUT_Y] = x;
    out[ENG_OUT_DY] = 1;
    out[ENG_OUT_D2Y] = exp_mul(dd_of(-2 * x), 8 * (1 - x));
    return;
  }
  if (x < -700) {
    out[ENG_OUT_Y] = exp_mul(dd_of(x), x);
    out[ENG_OUT_DY] = exp_mul(dd_of(x), 1 + x);
    out[ENG_OUT_D2Y] = exp_mul(dd_of(x), 2 + x);
    return;
  }
  if (x <= 0) {
    double t = exp(x);
    struct dd n = dd_mul_d(two_sum(t, 2), t), D = dd_add_d(n, 2);
    out[ENG_OUT_Y] = x * div_dd(n, D);
    if (WANT(DY) && !near_zero(&eng__mish_d1, x, 0.3, &out[ENG_OUT_DY])) {
      struct dd b = dd_mul_d(two_sum(1, x), 4);
      b = dd_add(b, dd_mul_d(two_sum(6, 4 * x), t));
      b = dd_add_d(b, t * t * (4 + t));
      out[ENG_OUT_DY] = div_dd(dd_mul_d(b, t), dd_mul(D, D));
    }
    if (WANT(D2Y) && !near_zero(&eng__mish_d2a, x, 0.3, &out[ENG_OUT_D2Y])) {
      struct dd b = dd_mul_d(two_sum(2, x), 2);
      b = dd_add(b, dd_mul_d(two_sum(8, 2 * x), t));
      b = dd_add_d(b, t * t * fma(t, 2 - 2 * x, 6 - 3 * x));
      out[ENG_OUT_D2Y] = div_dd(dd_mul_d(b, 4 * t), dd_mul(dd_mul(D, D), D));
    }
  } else {
    double u = exp(-x);
    struct dd a = two_sum(1, 2 * u), E = dd_add(a, two_prod(2 * u, u));
    out[ENG_OUT_Y] = x * div_dd(a, E);
    if (WANT(DY)) {
      struct dd n = dd_add_d(dd_mul(a, E), 4 * x * u * u * (1 + u));
      out[ENG_OUT_DY] = div_dd(n, dd_mul(E, E));
    }
    if (WANT(D2Y) && !near_zero(&eng__mish_d2b, x, 0.3, &out[ENG_OUT_D2Y])) {
      struct dd b = dd_mul_d(two_sum(1, -x), 8);
      b = dd_add(b, dd_mul_d(two_sum(24, -12 * x), u));
      b = dd_add_d(b, u * u * fma(u, 16 + 8 * x, 32 + 8 * x));
      out[ENG_OUT_D2Y] = div_dd(dd_mul(b, two_prod(u, u)), dd_mul(dd_mul(E, E), E));
    }
  }
}
