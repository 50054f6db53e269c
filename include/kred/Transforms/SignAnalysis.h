//===- SignAnalysis.h - the sign of a float value, when the IR proves it --===//
//
// A local, conservative analysis over arith/math/vector ops: squares, sums
// of squares, exponentials and differences `a - max(a, b)` have a known
// sign. Code generation uses it to drop range checks (exp of a non-positive
// argument cannot overflow). NaN lanes are outside its scope: a NaN stays
// NaN whatever sign the analysis gives.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TRANSFORMS_SIGNANALYSIS_H
#define KRED_TRANSFORMS_SIGNANALYSIS_H

#include "mlir/IR/Value.h"

#include <optional>
#include <utility>

namespace kred {

enum class Sign { Unknown, NonNegative, NonPositive };

/// The sign of every lane of `value` (float scalar or vector), looking at
/// most `depth` definitions up (each value once: linear in the ops seen).
Sign getKnownSign(mlir::Value value, int depth = 256);

/// A bound above every non-NaN lane of `value`, where the IR proves one: a
/// constant's largest lane, a known non-positive sign (0), a minimum with
/// a bounded value (min(x, c) or select(x > c, c, x)), a maximum or a
/// select of two bounded values.
std::optional<double> getUpperBound(mlir::Value value, int depth = 16);

/// `product` as x * c with c a constant of one value (scalar or splat): x
/// and c.
std::optional<std::pair<mlir::Value, double>> matchScaled(mlir::Value product);

} // namespace kred

#endif // KRED_TRANSFORMS_SIGNANALYSIS_H
