// Each class starts real processes (PostgreSQL, silos, Prometheus); one at a time keeps a 2-core CI machine responsive.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
