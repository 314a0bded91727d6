"""accesssim: can anyone on the wrong side of a company boundary reach data they must never see?"""

from accesssim.errors import AccessSimError, IncompleteAnalysisError, InputError, Problem

__all__ = ["AccessSimError", "IncompleteAnalysisError", "InputError", "Problem", "__version__"]
__version__ = "0.1.0"
