"""Each list's export rows (CSV / JSON Lines), shared by the CLI (`export`) and a list screen's export.

One module per family of lists, each with an `ExportSpec` per list (its columns and its row query), and
`format` with what they all share: the spec, the time format and the two writers. Rows stream from the
database (`.iterator()`), so exporting ten million members does not load them into memory. Every time is
an ISO 8601 UTC string (empty / null when unknown).
"""
