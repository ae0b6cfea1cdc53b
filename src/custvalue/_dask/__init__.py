"""The same core on Dask DataFrames (private; extra ``dask``).

The public functions detect a Dask input (:func:`custvalue._dispatch.is_dask`) and call in
here; nothing here is a second implementation: every partition runs the pandas kernel.

* :mod:`.table` -- the customer table and the calibration/holdout split: validation of every
  input partition by the one reader, the global observation end, one shuffle by customer,
  the table kernel per partition;
* :mod:`.history` -- lifecycle stages and churn: the table's shuffle, a purchase history
  per partition, the population rhythm (global) from the partitions' value counts;
* :mod:`.fit` -- model fits on the distinct sufficient-statistic rows and their counts;
* :mod:`.rowwise` -- predictions, CLV and segmentation per partition (lazy Series);
* :mod:`.checks` -- the failures of every partition merged into one DataValidationError.
"""
