"""The same core on Dask DataFrames (extra ``dask``).

There is nothing to import from here: the public functions take a Dask DataFrame where they
take a pandas one, and dispatch to the Dask path themselves (``import custvalue`` never
imports Dask). Every partition runs the pandas kernel, so the results equal the pandas ones
for any partitioning:

* :func:`custvalue.customer_table` and :func:`custvalue.split_calibration_holdout`: every
  input partition validated by the one reader (one DataValidationError for all of them, as
  pandas raises it), the global observation end, one shuffle by customer, the table kernel
  per partition; the :class:`~custvalue.TableReport` is the sum of the partitions' reports.
  The result is a lazy Dask DataFrame partitioned by customer.
* ``model.fit(table)``: the distinct rows of the columns the model reads, with their counts,
  collected in one pass (small whatever the number of customers); the pandas fit on them.
* predictions (``prob_alive``, ``expected_purchases``, ``expected_spend``, ...) and
  :func:`custvalue.customer_lifetime_value`: lazy, per partition.
* :func:`custvalue.abc_classes`, :func:`custvalue.pyramid_tiers`,
  :func:`custvalue.value_matrix`, :func:`custvalue.rfm_scores`: the global statistic (value
  limits, rank thresholds) computed once from the per-customer column, then applied per
  partition (lazy); :func:`custvalue.rfm_segments` per partition.
* :func:`custvalue.lifecycle_stages`, :func:`custvalue.explain_lifecycle` and
  :func:`custvalue.churn_status`: the transactions validated and shuffled by customer as
  for the table, each partition's purchase history read by the one reader; the population
  rhythm (a median over all customers) from the partitions' value counts of the own
  rhythms, in integer ticks, so it is the pandas one bit for bit; then the rules per
  partition (lazy, partitioned like the Dask table). ``p_alive`` and
  ``expected_purchases`` may be pandas or Dask Series (shuffled by customer the same way);
  ``prospects`` is not supported.

Example (not run here: it needs the extra)::

    import dask.dataframe as dd
    import custvalue as cv

    tx = dd.read_parquet("transactions/")
    table = cv.customer_table(tx, amount_col="amount", time_unit="W").persist()
    bg = cv.BetaGeoModel().fit(table)
    gg = cv.GammaGammaModel().fit(table[table["n_repeat"] > 0])
    clv = cv.customer_lifetime_value(bg, gg, table, horizon=52, period_length=4.33,
                                     discount_rate=0.01)
    clv.to_frame().to_parquet("clv/")
"""

from __future__ import annotations

__all__: list[str] = []
