"""Energy-based models of the course: the Hopfield network (11.3) and the restricted Boltzmann machine
(chapter 21). Both define an energy over binary states: Hopfield's recall descends it one unit at a
time; the RBM is trained by contrastive divergence (CD-k) or persistent CD to lower it on the data.
"""

from keras_models.energy.hopfield import HopfieldNetwork
from keras_models.energy.rbm import RBM

__all__ = ["RBM", "HopfieldNetwork"]
