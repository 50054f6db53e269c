//===- KredDialect.h - the kred dialect -------------------------*- C++ -*-===//

#ifndef KRED_DIALECT_KRED_IR_KREDDIALECT_H
#define KRED_DIALECT_KRED_IR_KREDDIALECT_H

#include "mlir/IR/Dialect.h"

#include "kred/Dialect/Kred/IR/KredDialect.h.inc"

#endif // KRED_DIALECT_KRED_IR_KREDDIALECT_H
