/* taylor_data.c: written by tests/gen/taylor_gen.c (the command is at its top);
 * see taylor.h. Do not edit by hand. */
#include "taylor.h"

/* swish'(u): zero at -1.2784645427610737, |h| < 0.45, 34 terms; last term / sum at the edges: 4.0e-28 */
const struct taylor eng__swish_g0 = {
  -0x1.474973c84120bp+0, -0x1.f8d74bc9ac154p-54, 0.45, 34,
  {
   0x1.be1410460527fp-3, 0x1.2c563458cc0adp-3, 0x1.353eb573ca457p-6,
   -0x1.f2d0e32bc2994p-7, -0x1.b0f82c498fd2fp-8, 0x1.098e92b8f076dp-13,
   0x1.a2a7caf0ee747p-11, 0x1.8574d136d4cb4p-13, -0x1.57238dca12615p-15,
   -0x1.f2d8976600f6fp-16, -0x1.8af40fd30a2bcp-19, 0x1.3ae0f751df483p-19,
   0x1.cdb14ef8f6491p-21, -0x1.061994e63271cp-25, -0x1.8dffda8a766aap-24,
   -0x1.4450a9df8b6aep-26, 0x1.3d70fd01a98fbp-28, 0x1.9103906c85149p-29,
   0x1.040416db972a2p-32, -0x1.ef14a65c75c02p-33, -0x1.4a014ae69132cp-34,
   0x1.195f6f53efc29p-38, 0x1.1afa918bb2cf1p-37, 0x1.a1ca0af75ced5p-40,
   -0x1.d271103ec27abp-42, -0x1.088c435a626d4p-42, -0x1.14fef7cd5c5dp-46,
   0x1.4b6d12ddf47aap-46, 0x1.9801d1739d44ap-48, -0x1.d7a415f051e21p-52,
   -0x1.64c030ebacf6bp-51, -0x1.df977c5a477b9p-54, 0x1.338858972eb8bp-55,
   0x1.3d96b78ab9a6dp-56,
  },
};

/* swish''(u): zero at -2.3993572805154675, |h| < 1, 40 terms; last term / sum at the edges: 6.1e-21 */
const struct taylor eng__swish_g1 = {
  -0x1.331e23ad9de11p+1, -0x1.a9c55ef03c74ap-53, 1, 40,
  {
   0x1.76e8b4eb0ea41p-4, 0x1.388203715b23ep-4, 0x1.706e66bf3603bp-6,
   -0x1.e178d8d2391d6p-10, -0x1.fa4e9f742fa77p-9, -0x1.662f848d6c11cp-10,
   -0x1.e2e4a6611bf4bp-14, 0x1.94804c550c0fcp-14, 0x1.8e0bb1b9411e3p-15,
   0x1.1af1925d34d7ep-17, -0x1.4e83911395334p-20, -0x1.3f8fd2d4427b6p-20,
   -0x1.51a7765845eb5p-22, -0x1.544dd16469785p-27, 0x1.849373225696dp-26,
   0x1.2840743686948p-27, 0x1.392c17b2941bp-30, -0x1.45f227eedfaabp-32,
   -0x1.a227c00e8a391p-33, -0x1.6a211d2e840f1p-35, 0x1.ca1c4dbe67fffp-41,
   0x1.e161e7df3e3fcp-39, 0x1.2ffb32ceb9829p-40, 0x1.c943240ab6b71p-44,
   -0x1.a902a46c66e92p-45, -0x1.a13ef1c03e4a7p-46, -0x1.2acf94aebda29p-48,
   0x1.8982d8d4ca33ap-52, 0x1.df97112d313e5p-52, 0x1.00c32670c492cp-53,
   0x1.c79c34f868d41p-58, -0x1.be0bd1a099e2p-58, -0x1.644406d372253p-59,
   -0x1.9dd827212615dp-62, 0x1.173935c4a3453p-64, 0x1.a16fe45b1b6d4p-65,
   0x1.7d6e0a5ead8c7p-67, 0x1.2f5e19a4e62d5p-73, -0x1.97b2e896b8427p-71,
   -0x1.11a22e15f59bep-72,
  },
};

/* swish''(u): zero at 2.3993572805154675, |h| < 1, 40 terms; last term / sum at the edges: 6.1e-21 */
const struct taylor eng__swish_g1b = {
  0x1.331e23ad9de11p+1, 0x1.a9c55ef03c74ap-53, 1, 40,
  {
   -0x1.76e8b4eb0ea41p-4, 0x1.388203715b23ep-4, -0x1.706e66bf3603bp-6,
   -0x1.e178d8d2391d6p-10, 0x1.fa4e9f742fa77p-9, -0x1.662f848d6c11cp-10,
   0x1.e2e4a6611bf4bp-14, 0x1.94804c550c0fcp-14, -0x1.8e0bb1b9411e3p-15,
   0x1.1af1925d34d7ep-17, 0x1.4e83911395334p-20, -0x1.3f8fd2d4427b6p-20,
   0x1.51a7765845eb5p-22, -0x1.544dd16469785p-27, -0x1.849373225696dp-26,
   0x1.2840743686948p-27, -0x1.392c17b2941bp-30, -0x1.45f227eedfaabp-32,
   0x1.a227c00e8a391p-33, -0x1.6a211d2e840f1p-35, -0x1.ca1c4dbe67fffp-41,
   0x1.e161e7df3e3fcp-39, -0x1.2ffb32ceb9829p-40, 0x1.c943240ab6b71p-44,
   0x1.a902a46c66e92p-45, -0x1.a13ef1c03e4a7p-46, 0x1.2acf94aebda29p-48,
   0x1.8982d8d4ca33ap-52, -0x1.df97112d313e5p-52, 0x1.00c32670c492cp-53,
   -0x1.c79c34f868d41p-58, -0x1.be0bd1a099e2p-58, 0x1.644406d372253p-59,
   -0x1.9dd827212615dp-62, -0x1.173935c4a3453p-64, 0x1.a16fe45b1b6d4p-65,
   -0x1.7d6e0a5ead8c7p-67, 0x1.2f5e19a4e62d5p-73, 0x1.97b2e896b8427p-71,
   -0x1.11a22e15f59bep-72,
  },
};

/* gelu'(x), exact form: zero at -0.75179152469356447, |h| < 0.7, 40 terms; last term / sum at the edges: 4.4e-30 */
const struct taylor eng__gelu_d1 = {
  -0x1.80ead197f00b4p-1, 0x1.13e74c58cada8p-56, 0.7, 40,
  {
   0x1.b9d98fa5a3215p-2, 0x1.8d9a941de3ac5p-2, -0x1.2a2ef9bb865aep-6,
   -0x1.d2fa4c17c7e84p-4, -0x1.e4088244f901dp-7, 0x1.3e346def42057p-6,
   0x1.297b9d6ffaacdp-8, -0x1.258a6d85633afp-9, -0x1.8680f74e6b6bap-11,
   0x1.86c863b66083cp-13, 0x1.69610924deba8p-14, -0x1.784acad4b941ep-17,
   -0x1.03fec69bdd554p-17, 0x1.d0c38b7a117ccp-22, 0x1.322a347f1968bp-21,
   -0x1.b9057b3d93486p-30, -0x1.3099122c48e32p-25, -0x1.7ffd0f708645ap-30,
   0x1.0592d74158a0ap-29, 0x1.3effe0efcb25fp-33, -0x1.89a0774eb6048p-34,
   -0x1.5e18b3d4867f6p-37, 0x1.06310e19a1ae3p-38, 0x1.34a02b0d31b9dp-41,
   -0x1.37338ebd7f2d7p-43, -0x1.d20f461f1addp-46, 0x1.49e44a494a614p-48,
   0x1.36fda84149624p-50, -0x1.3773d06291112p-53, -0x1.75ade337641efp-55,
   0x1.02dc3a5c596fap-58, 0x1.99581ee1708a3p-60, -0x1.6f43f9952cbacp-64,
   -0x1.9c83a6dd78029p-65, 0x1.9629095e21d24p-70, 0x1.810fcd6b5c0cap-70,
   -0x1.b704fa9c5ac44p-77, -0x1.4ebbe5c632211p-75, -0x1.c9d5c78f9d758p-82,
   0x1.1026fa85b89fp-80,
  },
};

/* gelu'(x), tanh form: zero at -0.75246142207101629, |h| < 0.6, 40 terms; last term / sum at the edges: 3.8e-25 */
const struct taylor eng__gelu_tanh_d1 = {
  -0x1.81429f9e97e4dp-1, 0x1.4f523ed77dbdcp-55, 0.6, 40,
  {
   0x1.b8bacd2c96b91p-2, 0x1.8cd1a2b2fff33p-2, -0x1.029615edb077ap-6,
   -0x1.d2b77346470abp-4, -0x1.104a83edc0ddcp-6, 0x1.427996dc249cep-6,
   0x1.58c9ed713486cp-8, -0x1.3d8d64170bb72p-9, -0x1.e63f294331885p-11,
   0x1.14bf895a69517p-12, 0x1.04936f0ef73dbp-13, -0x1.253bce9ecae48p-15,
   -0x1.0b9c949575db9p-16, 0x1.8d30f995eee7cp-18, 0x1.46a0328d00b7ap-19,
   -0x1.09b6fd46ae70ap-20, -0x1.cecf33fcf1fa4p-22, 0x1.3007fe1df405p-23,
   0x1.43036bb90f7d1p-24, -0x1.23aefd74d1787p-26, -0x1.9b012e1b21a3bp-27,
   0x1.e4d300ae6240fp-30, 0x1.dfa88db1f1611p-30, -0x1.77c584fde0ea6p-33,
   -0x1.0b9b7346e9899p-32, 0x1.28d47a986897p-36, 0x1.2a7c39c30fc6p-35,
   -0x1.d6321bcda15dfp-40, -0x1.53b9863442cf3p-38, 0x1.192d1499ee4eap-43,
   0x1.86ac80a268779p-41, 0x1.fa7c5a99867e4p-49, -0x1.bc4d194d71e9p-44,
   -0x1.23494d518ccb2p-48, 0x1.ed389afe9cb34p-47, 0x1.338ff57994174p-50,
   -0x1.0b584bff5b4f9p-49, -0x1.e6e522da5bfc9p-53, 0x1.1d7d44c71a149p-52,
   0x1.534e48b71d809p-55,
  },
};

/* gelu''(x), tanh form: zero at -1.4185040087908283, |h| < 0.8, 40 terms; last term / sum at the edges: 1.8e-19 */
const struct taylor eng__gelu_tanh_d2a = {
  -0x1.6b23142700629p+0, -0x1.750d2fad2c04bp-54, 0.8, 40,
  {
   0x1.a360c3e39b758p-2, 0x1.ba73788e0f42ep-2, 0x1.0bae229791eaap-7,
   -0x1.49ec14523aa05p-3, -0x1.d0e682b09898dp-5, 0x1.4842653d453b1p-6,
   0x1.11cd249c34d3cp-6, 0x1.9022fc3a97577p-11, -0x1.5a7bd658bbef1p-9,
   -0x1.89f5e54488091p-11, 0x1.1273a4c11227dp-12, 0x1.718457f626c8cp-13,
   -0x1.9bf9264e97e8ep-18, -0x1.e9ab3d429bb7ap-16, -0x1.47c85a3c08c9p-18,
   0x1.df01443bac1a1p-19, 0x1.931f3c7f6ab56p-20, -0x1.f0d15444f612p-23,
   -0x1.2a7e3fa2ef4e3p-22, -0x1.a6a8b782c474fp-26, 0x1.3578b11a9e607p-25,
   0x1.821a12df0580dp-27, -0x1.87ed39b8e3bfbp-29, -0x1.2f5e67c7467fbp-29,
   -0x1.d5f4617f93646p-35, 0x1.4aa0f56509042p-32, 0x1.30d8d2ad1be9p-34,
   -0x1.ea563336ae6aep-36, -0x1.0dc464529dd35p-36, 0x1.a77e2957a4916p-41,
   0x1.3ff066fe4dfe2p-39, 0x1.9192fff465132p-42, -0x1.0e6f1b3a661e1p-42,
   -0x1.b6b3a036b932cp-44, 0x1.d8ae689dfa4b3p-47, 0x1.1e9155b602056p-46,
   0x1.9b2cc15355d05p-50, -0x1.0cd06bd5ffe93p-49, -0x1.4735dfaa8c147p-51,
   0x1.3be9068b73f76p-53,
  },
};

/* gelu''(x), tanh form: zero at 1.4185040087908283, |h| < 0.5, 40 terms; last term / sum at the edges: 1.2e-27 */
const struct taylor eng__gelu_tanh_d2b = {
  0x1.6b23142700629p+0, 0x1.750d2fad2c04bp-54, 0.5, 40,
  {
   -0x1.a360c3e39b758p-2, 0x1.ba73788e0f42ep-2, -0x1.0bae229791eaap-7,
   -0x1.49ec14523aa05p-3, 0x1.d0e682b09898dp-5, 0x1.4842653d453b1p-6,
   -0x1.11cd249c34d3cp-6, 0x1.9022fc3a97577p-11, 0x1.5a7bd658bbef1p-9,
   -0x1.89f5e54488091p-11, -0x1.1273a4c11227dp-12, 0x1.718457f626c8cp-13,
   0x1.9bf9264e97e8ep-18, -0x1.e9ab3d429bb7ap-16, 0x1.47c85a3c08c9p-18,
   0x1.df01443bac1a1p-19, -0x1.931f3c7f6ab56p-20, -0x1.f0d15444f612p-23,
   0x1.2a7e3fa2ef4e3p-22, -0x1.a6a8b782c474fp-26, -0x1.3578b11a9e607p-25,
   0x1.821a12df0580dp-27, 0x1.87ed39b8e3bfbp-29, -0x1.2f5e67c7467fbp-29,
   0x1.d5f4617f93646p-35, 0x1.4aa0f56509042p-32, -0x1.30d8d2ad1be9p-34,
   -0x1.ea563336ae6aep-36, 0x1.0dc464529dd35p-36, 0x1.a77e2957a4916p-41,
   -0x1.3ff066fe4dfe2p-39, 0x1.9192fff465132p-42, 0x1.0e6f1b3a661e1p-42,
   -0x1.b6b3a036b932cp-44, -0x1.d8ae689dfa4b3p-47, 0x1.1e9155b602056p-46,
   -0x1.9b2cc15355d05p-50, -0x1.0cd06bd5ffe93p-49, 0x1.4735dfaa8c147p-51,
   0x1.3be9068b73f76p-53,
  },
};

/* mish'(x): zero at -1.1924312145154952, |h| < 0.9, 40 terms; last term / sum at the edges: 2.4e-18 */
const struct taylor eng__mish_d1 = {
  -0x1.31432c0d12d84p+0, -0x1.bf319154da21p-55, 0.9, 40,
  {
   0x1.115acb42500bbp-2, 0x1.a34a251d8ad7bp-3, 0x1.574f121a868dbp-5,
   -0x1.4c222fe64d4fbp-6, -0x1.03369d4ac90fap-6, -0x1.b87ddfb51b745p-9,
   0x1.1e5e184a0fep-10, 0x1.03799182b217fp-10, 0x1.0a7954e86867p-12,
   -0x1.5fffa067220abp-15, -0x1.d453aef9813dp-15, -0x1.223bcd6871175p-16,
   0x1.fa20aae0364c5p-21, 0x1.866a4abf08ed3p-19, 0x1.1fad0feef3614p-20,
   0x1.cdc8ee0f3f16cp-26, -0x1.2f2a6f67e254ep-23, -0x1.09308389bebbbp-24,
   -0x1.77389c6a0a981p-28, 0x1.b716f3bd4fe09p-28, 0x1.cdd99b87a3bc1p-29,
   0x1.08da5810e3afbp-31, -0x1.2623d307ee142p-32, -0x1.7f8ee955413cp-33,
   -0x1.2a3aaa1a31e2cp-35, 0x1.636c45500acfep-37, 0x1.3172f15da1172p-37,
   0x1.2afb1220b8b14p-39, -0x1.68ad028523b7cp-42, -0x1.d3a97c952957ep-42,
   -0x1.16118d9ec42p-43, 0x1.c8a7a540e16b8p-48, 0x1.5822f7f658be1p-46,
   0x1.e98c15c9f51d3p-48, 0x1.752d071b3111dp-53, -0x1.e578eeca2b4dcp-51,
   -0x1.9c66f434edaa2p-52, -0x1.1a2b5624cae3fp-55, 0x1.4602e0626234cp-55,
   0x1.4ea2ed8c2ec55p-56,
  },
};

/* mish''(x): zero at -2.256376396360793, |h| < 0.8, 40 terms; last term / sum at the edges: 6.1e-23 */
const struct taylor eng__mish_d2a = {
  -0x1.20d0f116eb001p+1, -0x1.ed98c925498a2p-54, 0.8, 40,
  {
   0x1.bd7543d635e3fp-4, 0x1.956e15ad4977cp-4, 0x1.321192f866b01p-5,
   0x1.b79f54f639c0dp-9, -0x1.fa00ae6565a08p-9, -0x1.451146d7c7c26p-9,
   -0x1.9fa64b5d84113p-11, -0x1.ba0303a55dc65p-14, 0x1.4dba0d414b9b4p-15,
   0x1.0e6fa51038bd6p-15, 0x1.86c9cde32cec6p-17, 0x1.26e828ed46da8p-19,
   -0x1.9b97ea0ba2a2ep-23, -0x1.611e9f7f2eda8p-22, -0x1.28b6e3573cd95p-23,
   -0x1.11173bbb9a5c5p-25, -0x1.f1148a3ee3016p-31, 0x1.7f6c43230c854p-29,
   0x1.7f60fc4449b12p-30, 0x1.99e113eeef71p-32, 0x1.3c875a6928556p-35,
   -0x1.5896c7851e9bbp-36, -0x1.b636888e7d98ep-37, -0x1.0d35e28069b78p-38,
   -0x1.3c93813fb0181p-41, 0x1.d9f8f5a5ade67p-44, 0x1.c494c09d6e614p-44,
   0x1.4106c7e33e6f7p-45, 0x1.e68d572fe9655p-48, -0x1.25ed55b06798p-52,
   -0x1.a8943bb43741bp-51, -0x1.620c148c3e63bp-52, -0x1.43d262430fe59p-54,
   -0x1.f9331cf61168ep-59, 0x1.65ae5b64962f9p-58, 0x1.6ca023bdf29e6p-59,
   0x1.86fabbb73f592p-61, 0x1.54405a01e2489p-64, -0x1.03745768b404dp-65,
   -0x1.5ff9f330ae3f7p-66,
  },
};

/* mish''(x): zero at 1.4905711794854284, |h| < 0.6, 40 terms; last term / sum at the edges: 7.2e-24 */
const struct taylor eng__mish_d2b = {
  0x1.7d9612a44004p+0, 0x1.48a1647177d43p-54, 0.6, 40,
  {
   -0x1.d8765d356c1afp-3, 0x1.2005f89b94e15p-2, -0x1.467b383afa813p-4,
   -0x1.11016a32bec52p-4, 0x1.eb6dcd56f7729p-5, -0x1.24b1188ea3f55p-7,
   -0x1.79fcae5ae4ba7p-7, 0x1.caeea1614b2fcp-8, -0x1.1990c81d8054bp-12,
   -0x1.6f584cc4a3afp-10, 0x1.3ee8a1b2735ap-11, 0x1.809ebdda7f117p-15,
   -0x1.1fada05c82d53p-13, 0x1.6c4ee88d1ae24p-15, 0x1.3ee5ad04e1045p-17,
   -0x1.867889953777dp-17, 0x1.5c30a3ef6d275p-19, 0x1.337431ff4d128p-20,
   -0x1.dbf01773bf6f1p-21, 0x1.06747b96fd629p-23, 0x1.dce67b0ec5116p-24,
   -0x1.08eb0b9e77cc3p-24, 0x1.b35e64a10010cp-29, 0x1.44710c7c928d2p-27,
   -0x1.0ed7d6c081e0bp-28, -0x1.9768e4d5ab02fp-33, 0x1.91ceaffea006bp-31,
   -0x1.f9f87fd9f78e3p-33, -0x1.5fc12b698a8f8p-35, 0x1.cd83581c5d347p-35,
   -0x1.a683d1de93b5p-37, -0x1.3544200867983p-38, 0x1.f0661c0f162eep-39,
   -0x1.282b6fb6bce3bp-41, -0x1.b717f6a36339bp-42, 0x1.f5d8f8d6bc199p-43,
   -0x1.0ff2d10d47df6p-46, -0x1.14eb8eb198d09p-45, 0x1.dc193ea7edb9p-47,
   0x1.702cf3a1bf76fp-52,
  },
};
