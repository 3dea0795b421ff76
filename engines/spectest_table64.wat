;; The spec interpreter's `spectest.table64` (spectest.ml): a funcref table with i64
;; indices, 10..20. A module of its own because only engines with the memory64 proposal
;; can compile it; a worker leaves out a spectest part its engine cannot compile.
(module
  (table (export "table64") i64 10 20 funcref)
)
