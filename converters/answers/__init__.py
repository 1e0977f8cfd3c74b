"""Reading answers: numbers in every spelling the data and the models use (one canonical form), and
competition answers (LaTeX, sympy) judged equal or not. The lowest converter layer; scoring uses it too."""
