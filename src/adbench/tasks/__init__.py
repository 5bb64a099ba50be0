"""One module per task (`task=`): train, test, predict, benchmark, export, preview; each a
function of the composed config and the run directory. `adbench.run.run` picks one."""
