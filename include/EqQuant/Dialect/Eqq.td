//===- Eqq.td - eqq dialect umbrella -----------------------*- tablegen -*-===//
#ifndef EQQ_TD
#define EQQ_TD
include "EqQuant/Dialect/EqqBase.td"
include "EqQuant/Dialect/EqqInterfaces.td"
include "EqQuant/Dialect/EqqOps.td"
#endif // EQQ_TD
