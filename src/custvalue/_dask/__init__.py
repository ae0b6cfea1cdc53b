"""The same core on Dask DataFrames (private; extra ``dask``).

The public functions detect a Dask input (:func:`custvalue._dispatch.is_dask`) and call in
here; nothing here is a second implementation: every partition runs the pandas kernel.

* :mod:`.table` -- the customer table and the calibration/holdout split: validation of every
  input partition by the one reader, the global observation end, one exchange of the rows
  by customer (integer ids by range), the table kernel per partition;
* :mod:`.history` -- lifecycle stages and churn: the table's exchange by customer, a purchase
  history per partition, the population rhythm (global) from the partitions' value counts;
* :mod:`.fit` -- model fits on the distinct sufficient-statistic rows and their counts;
* :mod:`.rowwise` -- predictions, CLV and segmentation per partition (lazy Series);
* :mod:`.segments` and :mod:`.order` -- global cuts (RFM cut points from exact order
  statistics, ABC and pyramid limits), applied per partition;
* :mod:`.checks` -- the failures of every partition merged into one DataValidationError.
"""
