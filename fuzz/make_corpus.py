"""Seed corpora of the fuzz targets from the test files: formula
specifications (.kf files, and each line of the formula lists with the
aliases they use) and MLIR files (split at `// -----`).

usage: make_corpus.py SOURCE_DIR CORPUS_DIR"""
import pathlib
import sys

ALIASES = "X = Vi(3)\nY = Vj(3)\nS = Vj(1)\nM = Pm(9)\n"


def main():
    source, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    formulas, ir = [], []
    for path in sorted(source.glob("**/*.kf")):
        relative = path.relative_to(source).parts
        if not any(part.startswith(("build", ".")) for part in relative):
            formulas.append(path.read_text())
    for name in ("ops.txt", "reductions.txt"):
        for line in (source / "test/Runtime/Inputs" / name).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                formulas.append(ALIASES + line + "\n")
    for path in sorted((source / "test").glob("**/*.mlir")):
        ir += [part for part in path.read_text().split("// -----") if part.strip()]
    for target, seeds in (("FuzzFormulaImport", formulas), ("FuzzCpuPipeline", formulas),
                          ("FuzzIRParse", ir)):
        folder = corpus / target
        folder.mkdir(parents=True, exist_ok=True)
        for k, seed in enumerate(seeds):
            (folder / f"seed-{k:04d}").write_text(seed)
    print(f"corpus: {len(formulas)} formulas, {len(ir)} MLIR inputs in {corpus}")


if __name__ == "__main__":
    main()
