"""The Bessel functions J and Y, the modified K, the spherical j0 and the Airy function Ai.

J_n and Y_n (orders 0 and 1) solve x**2 y'' + x y' + (x**2 - n**2) y = 0: J_n is finite at
0, Y_n goes to -inf there and is real for x > 0 only; both oscillate like
sqrt(2 / (pi x)) cos(x - (2n+1) pi/4). K_n solves the modified equation (the sign of x**2
flipped): it decays like exp(-x) sqrt(pi / 2x) and is inf at 0; k0e = exp(x) K0 and
k1e = exp(x) K1 stay finite where K underflows. spherical_bessel_j0(x) = sin(x) / x.
Ai solves y'' = x y and decays like exp(-2/3 x**1.5) for x > 0, oscillating for x < 0.

numpy has none of them (scipy has, but is not a dependency), so they are computed here as
S. L. Moshier's Cephes library computes them (j0.c, j1.c, k0.c, k1.c, airy.c; PyTorch's
``torch.special`` ports the same ones in ATen's Math.h): J and Y by rational functions of
x**2 up to 5 and, beyond, the asymptotic form with two rational functions of 25/x**2; K by
Chebyshev series in x**2 - 2 up to 2 (with i0 and i1 of ``ops.bessel``) and in 8/x - 2
beyond; Ai and Ai' by their power series on [-2.09, 2.09] and rational functions of
1/zeta beyond, zeta = 2/3 |x|**1.5. In float64 whatever x's dtype (float32 in, float32
out). Against mpmath, the largest error over 400 random points per range:

- J0, J1, Y0, Y1 on (0, 5]: relative, below 5e-16 (J) and 9e-16 (Y1) on (0, 2], below
  1e-13 (J) and 4e-13 (Y) on (2, 5]; larger only next to a zero, where the value goes to
  0 (Y0: 1.2e-12 beside its zero 0.894). Beyond 5, below 5e-16 of the amplitude sqrt(2 / (pi x)), up to
  x = 1e300 (cos(x - pi/4) is written as (cos x + sin x) / sqrt(2), x - pi/4 would round).
- K0, K1, k0e, k1e: relative, below 1.5e-15 on (0, 2], below 5e-16 on (2, 700].
- Ai, Ai': relative, below 2e-14 on [-2.09, 2.09] (where the series cancel, at 2.09),
  below 4e-15 on (2.09, 8.3] and 2e-13 up to 100 (exp(-2/3 x**1.5) with its exponent
  rounded, as in Cephes); below -2.09, below 3e-14 of the amplitude |x|**∓1/4 / sqrt(pi)
  down to -30 and 4e-12 down to -1000 (the phase 2/3 |x|**1.5, rounded, likewise).
- spherical_bessel_j0: below 2.5e-16 of 1/|x| (of the value below 1/2).

PyTorch's ports drop the leading 1 of Cephes' ``p1evl`` denominators: against mpmath its
J and Y are off by up to 2.4e-6 of their amplitude on (5, 8), its Ai by 6e-6 below -2.09
(the coefficients below are Cephes', with that 1 written out). It also loses J and Y's
phase for large x (3e-11 at 1e6). Values at the edges are PyTorch's: Y is NaN for x < 0
and -inf at ±0, K NaN for x < 0 and inf at ±0, and J, Y and Ai are NaN at ±inf (the
cosine of infinity has no value), K and spherical_bessel_j0 0 there; NaN gives NaN.

Each derivative is written with the functions themselves (J0' = -J1, J1' = J0 - J1/x,
K0' = -K1, Ai' = airy_ai_prime, Ai'' = x Ai, ...), so the recorded path differentiates
again through the same ops, to any order.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, _data, apply
from ..worked import Terms
from . import xp
from ._operands import float_operand
from .bessel import _chebyshev, _result, _tiny, i0_array, i1_array
from .special import _horner  # Cephes' polevl: coefs[0] z**n + ... + coefs[n]

__all__ = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0",
           "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "spherical_bessel_j0", "airy_ai"]

# --- coefficients, highest power first. Cephes writes a denominator's leading 1 as a
# comment and evaluates it with p1evl; here that 1 is written out, for one Horner loop.

# J0 on [0, 5]: (z - DR1) (z - DR2) RP(z) / RQ(z), z = x**2, DR the first two zeros squared
# (Cephes j0.c).
_J0_ZEROS_SQUARED = (5.78318596294678452118e+00, 3.04712623436620863991e+01)
_J0_RP = (-4.79443220978201773821e+09, 1.95617491946556577543e+12,
          -2.49248344360967716204e+14, 9.70862251047306323952e+15)
_J0_RQ = (1.0, 4.99563147152651017219e+02, 1.73785401676374683123e+05,
          4.84409658339962045305e+07, 1.11855537045356834862e+10, 2.11277520115489217587e+12,
          3.10518229857422583814e+14, 3.18121955943204943306e+16, 1.71086294081043136091e+18)
# Y0 on (0, 5]: YP(z) / YQ(z) + 2/pi log(x) J0(x).
_Y0_YP = (1.55924367855235737965e+04, -1.46639295903971606143e+07,
          5.43526477051876500413e+09, -9.82136065717911466409e+11,
          8.75906394395366999549e+13, -3.46628303384729719441e+15,
          4.42733268572569800351e+16, -1.84950800436986690637e+16)
_Y0_YQ = (1.0, 1.04128353664259848412e+03, 6.26107330137134956842e+05,
          2.68919633393814121987e+08, 8.64002487103935000337e+10, 2.02979612750105546709e+13,
          3.17157752842975028269e+15, 2.50596256172653059228e+17)
# J0 and Y0 beyond 5: P = PP/PQ and Q = QP/QQ, rational in 25/x**2.
_P0 = ((7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e+00,
        5.44725003058768775090e+00, 8.74716500199817011941e+00, 5.30324038235394892183e+00,
        9.99999999999999997821e-01),
       (9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e+00,
        5.47097740330417105182e+00, 8.76190883237069594232e+00, 5.30605288235394617618e+00,
        1.00000000000000000218e+00))
_Q0 = ((-1.13663838898469149931e-02, -1.28252718670509318512e+00, -1.95539544257735972385e+01,
        -9.32060152123768231369e+01, -1.77681167980488050595e+02, -1.47077505154951170175e+02,
        -5.14105326766599330220e+01, -6.05014350600728481186e+00),
       (1.0, 6.43178256118178023184e+01, 8.56430025976980587198e+02, 3.88240183605401609683e+03,
        7.24046774195652478189e+03, 5.93072701187316984827e+03, 2.06209331660327847417e+03,
        2.42005740240291393179e+02))
# J1 on [0, 5]: x (z - Z1) (z - Z2) RP(z) / RQ(z) (Cephes j1.c).
_J1_ZEROS_SQUARED = (1.46819706421238932572e+01, 4.92184563216946036703e+01)
_J1_RP = (-8.99971225705559398224e+08, 4.52228297998194034323e+11,
          -7.27494245221818276015e+13, 3.68295732863852883286e+15)
_J1_RQ = (1.0, 6.20836478118054335476e+02, 2.56987256757748830383e+05,
          8.35146791431949253037e+07, 2.21511595479792499675e+10, 4.74914122079991414898e+12,
          7.84369607876235854894e+14, 8.95222336184627338078e+16, 5.32278620332680085395e+18)
# Y1 on (0, 5]: x YP(z) / YQ(z) + 2/pi (J1(x) log(x) - 1/x).
_Y1_YP = (1.26320474790178026440e+09, -6.47355876379160291031e+11, 1.14509511541823727583e+14,
          -8.12770255501325109621e+15, 2.02439475713594898196e+17, -7.78877196265950026825e+17)
_Y1_YQ = (1.0, 5.94301592346128195359e+02, 2.35564092943068577943e+05,
          7.34811944459721705660e+07, 1.87601316108706159478e+10, 3.88231277496238566008e+12,
          6.20557727146953693363e+14, 6.87141087355300489866e+16, 3.97270608116560655612e+18)
# J1 and Y1 beyond 5.
_P1 = ((7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e+00,
        5.11207951146807644818e+00, 8.42404590141772420927e+00, 5.21451598682361504063e+00,
        1.00000000000000000254e+00),
       (5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e+00,
        5.07386386128601488557e+00, 8.39985554327604159757e+00, 5.20982848682361821619e+00,
        9.99999999999999997461e-01))
_Q1 = ((5.10862594750176621635e-02, 4.98213872951233449420e+00, 7.58238284132545283818e+01,
        3.66779609360150777800e+02, 7.10856304998926107277e+02, 5.97489612400613639965e+02,
        2.11688757100572135698e+02, 2.52070205858023719784e+01),
       (1.0, 7.42373277035675149943e+01, 1.05644886038262816351e+03, 4.98641058337653607651e+03,
        9.56231892404756170795e+03, 7.99704160447350683650e+03, 2.82619278517639096600e+03,
        3.36093607810698293419e+02))

# K0 on (0, 2]: chbevl(x**2 - 2) - log(x/2) I0(x); beyond 2, exp(-x) chbevl(8/x - 2) /
# sqrt(x) (Cephes k0.c; Chebyshev coefficients, as ops.bessel's).
_K0_NEAR = (1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11,
            1.90451637722020886025e-09, 2.53479107902614945675e-07, 2.28621210311945178607e-05,
            1.26461541144692592338e-03, 3.59799365153615016266e-02, 3.44289899924628486886e-01,
            -5.35327393233902768720e-01)
_K0_FAR = (5.30043377268626276149e-18, -1.64758043015242134646e-17, 5.21039150503902756861e-17,
           -1.67823109680541210385e-16, 5.51205597852431940784e-16, -1.84859337734377901440e-15,
           6.34007647740507060557e-15, -2.22751332699166985548e-14, 8.03289077536357521100e-14,
           -2.98009692317273043925e-13, 1.14034058820847496303e-12, -4.51459788337394416547e-12,
           1.85594911495471785253e-11, -7.95748924447710747776e-11, 3.57739728140030116597e-10,
           -1.69753450938905987466e-09, 8.57403401741422608519e-09, -4.66048989768794782956e-08,
           2.76681363944501510342e-07, -1.83175552271911948767e-06, 1.39498137188764993662e-05,
           -1.28495495816278026384e-04, 1.56988388573005337491e-03, -3.14481013119645005427e-02,
           2.44030308206595545468e+00)
# K1 on (0, 2]: log(x/2) I1(x) + chbevl(x**2 - 2) / x; beyond 2 as K0 (Cephes k1.c).
_K1_NEAR = (-7.02386347938628759343e-18, -2.42744985051936593393e-15,
            -6.66690169419932900609e-13, -1.41148839263352776110e-10,
            -2.21338763073472585583e-08, -2.43340614156596823496e-06,
            -1.73028895751305206302e-04, -6.97572385963986435018e-03,
            -1.22611180822657148235e-01, -3.53155960776544875667e-01, 1.52530022733894777053e+00)
_K1_FAR = (-5.75674448366501715755e-18, 1.79405087314755922667e-17, -5.68946255844285935196e-17,
           1.83809354436663880070e-16, -6.05704724837331885336e-16, 2.03870316562433424052e-15,
           -7.01983709041831346144e-15, 2.47715442448130437068e-14, -8.97670518232499435011e-14,
           3.34841966607842919884e-13, -1.28917396095102890680e-12, 5.13963967348173025100e-12,
           -2.12996783842756842877e-11, 9.21831518760500529508e-11, -4.19035475934189648750e-10,
           2.01504975519703286596e-09, -1.03457624656780970260e-08, 5.74108412545004946722e-08,
           -3.50196060308781257119e-07, 2.40648494783721712015e-06, -1.93619797416608296024e-05,
           1.95215518471351631108e-04, -2.85781685962277938680e-03, 1.03923736576817238437e-01,
           2.72062619048444266945e+00)

# Ai and Ai' (Cephes airy.c). Beyond 2.09: Ai = AN/AD (1/zeta) exp(-zeta) / (2 sqrt(pi)
# x**1/4), Ai' = -APN/APD (1/zeta) x**1/4 exp(-zeta) / (2 sqrt(pi)).
_AI_FAR = ((3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01,
            1.68089224934630576269e+02, 1.59756391350164413639e+02, 7.05360906840444183113e+01,
            1.40264691163389668864e+01, 9.99999999999999995305e-01),
           (5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01,
            1.77318088145400459522e+02, 1.64234692871529701831e+02, 7.14778400825575695274e+01,
            1.40959135607834029598e+01, 1.00000000000000000470e+00))
_AIP_FAR = ((6.13759184814035759225e-01, 1.47454670787755323881e+01, 8.20584123476060982430e+01,
             1.71184781360976385540e+02, 1.59317847137141783523e+02, 6.99778599330103016170e+01,
             1.39470856980481566958e+01, 1.00000000000000000550e+00),
            (3.34203677749736953049e-01, 1.11810297306158156705e+01, 7.11727352147859965283e+01,
             1.58778084372838313640e+02, 1.53206427475809220834e+02, 6.86752304592780337944e+01,
             1.38498634758259442477e+01, 9.99999999999999994502e-01))
# Below -2.09: Ai = (sin(t) F - cos(t) G) / (sqrt(pi) |x|**1/4), t = zeta + pi/4, with
# F = 1 + u**2 FN/FD(u**2) and G = u GN/GD(u**2), u = 1/zeta; Ai' from APF and APG alike.
_AI_NEGATIVE = (
    (-1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01,
     -2.79779981545119124951e-01, -4.91900132609500318020e-02, -4.06265923594885404393e-03,
     -1.59276496239262096340e-04, -2.77649108155232920844e-06, -1.67787698489114633780e-08),
    (1.0, 1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01,
     9.18707402907259625840e+00, 1.47529146771666414581e+00, 1.15687173795188044134e-01,
     4.40291641615211203805e-03, 7.54720348287414296618e-05, 4.51850092970580378464e-07),
    (1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00,
     9.39169229816650230044e-01, 3.51465656105547619242e-01, 6.33888919628925490927e-02,
     5.85804113048388458567e-03, 2.82851600836737019778e-04, 6.98793669997260967291e-06,
     8.11789239554389293311e-08, 3.41551784765923618484e-10),
    (1.0, 9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01,
     5.47686069422975497931e+00, 9.54293611618961883998e-01, 8.64580826352392193095e-02,
     4.12656523824222607191e-03, 1.01259085116509135510e-04, 1.17166733214413521882e-06,
     4.91834570062930015649e-09))
_AIP_NEGATIVE = (
    (1.85365624022535566142e-01, 8.86712188052584095637e-01, 9.87391981747398547272e-01,
     4.01241082318003734092e-01, 7.10304926289631174579e-02, 5.90618657995661810071e-03,
     2.33051409401776799569e-04, 4.08718778289035454598e-06, 2.48379932900442457853e-08),
    (1.0, 1.47345854687502542552e+01, 3.75423933435489594466e+01, 3.14657751203046424330e+01,
     1.09969125207298778536e+01, 1.78885054766999417817e+00, 1.41733275753662636873e-01,
     5.44066067017226003627e-03, 9.39421290654511171663e-05, 5.65978713036027009243e-07),
    (-3.55615429033082288335e-02, -6.37311518129435504426e-01, -1.70856738884312371053e+00,
     -1.50221872117316635393e+00, -5.63606665822102676611e-01, -1.02101031120216891789e-01,
     -9.48396695961445269093e-03, -4.60325307486780994357e-04, -1.14300836484517375919e-05,
     -1.33415518685547420648e-07, -5.63803833958893494476e-10),
    (1.0, 9.85865801696130355144e+00, 2.16401867356585941885e+01, 1.73130776389749389525e+01,
     6.17872175280828766327e+00, 1.08848694396321495475e+00, 9.95005543440888479402e-02,
     4.78468199683886610842e-03, 1.18159633322838625562e-04, 1.37480673554219441465e-06,
     5.79912514929147598821e-09))
# Ai(0) = 1 / (3**2/3 Gamma(2/3)) and -Ai'(0) = 1 / (3**1/3 Gamma(1/3)): the power series'
# two solutions f and g combine as Ai = c1 f - c2 g.
_AI_C1, _AI_C2 = 0.355028053887817239260, 0.258819403792806798405
_SQRT_PI = 1.7724538509055160273
_TWO_OVER_PI = 0.636619772367581343075535053490057448


def _ratio(pair, z):
    numerator, denominator = pair
    return _horner(numerator, z) / _horner(denominator, z)


def _by_range(x, *ranges):
    """f(x) elementwise in float64, one formula per range: ``ranges`` are pairs
    (condition on x, formula on the x where it holds), the first that holds wins. What no
    condition takes (NaN, and what the caller leaves out) is NaN."""
    r = np.asarray(x, dtype=np.float64).reshape(-1)
    out = np.full_like(r, np.nan)
    left = np.ones(r.shape, dtype=bool)
    for condition, formula in ranges:
        with np.errstate(invalid="ignore"):
            taken = np.flatnonzero(left & condition(r))
        if taken.size:
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                out.put(taken, formula(r.take(taken)))
            left[taken] = False
    return out.reshape(np.shape(x))


# --- J and Y ---------------------------------------------------------------------------------


def _oscillating(x, order, second_kind):
    """J or Y of order 0 or 1 beyond 5, sqrt(2/(pi x)) (P cos t - 5/x Q sin t) or
    (P sin t + 5/x Q cos t), t = x - (2 order + 1) pi/4. cos t and sin t are sums of
    cos x and sin x: x - pi/4 would round by half an ulp of x, a phase error of 1e-13 at
    x = 1e3 that the sums do not make."""
    z = 25 / (x * x)
    P, Q = _ratio(_P1 if order else _P0, z), 5 / x * _ratio(_Q1 if order else _Q0, z)
    c, s = np.cos(x), np.sin(x)
    # sqrt(2) cos t and sqrt(2) sin t
    cos_t, sin_t = (s - c, -(s + c)) if order else (c + s, s - c)
    wave = P * sin_t + Q * cos_t if second_kind else P * cos_t - Q * sin_t
    return wave / np.sqrt(np.pi * x)


def _j0(a):
    """J0 of a >= 0 (Cephes j0): 1 - a**2/4 below 1e-5, where the next term is below 1e-21."""
    z = a * a
    near = (z - _J0_ZEROS_SQUARED[0]) * (z - _J0_ZEROS_SQUARED[1]) \
        * _horner(_J0_RP, z) / _horner(_J0_RQ, z)
    return np.where(a < 1e-5, 1 - z / 4, near)


def _j1(a):
    """J1 of a >= 0 (Cephes j1)."""
    z = a * a
    return a * (z - _J1_ZEROS_SQUARED[0]) * (z - _J1_ZEROS_SQUARED[1]) \
        * _horner(_J1_RP, z) / _horner(_J1_RQ, z)


def bessel_j0_array(x):
    """J0(x) on a numpy array: even; NaN at ±inf, as PyTorch."""
    return _result(x, _by_range(np.abs(np.asarray(x, dtype=np.float64)),
                                (lambda a: a <= 5, _j0),
                                (np.isfinite, lambda a: _oscillating(a, 0, False))))


def bessel_j1_array(x):
    """J1(x) on a numpy array: odd (J1(-0) = -0); NaN at ±inf, as PyTorch."""
    x64 = np.asarray(x, dtype=np.float64)
    a = _by_range(np.abs(x64), (lambda a: a <= 5, _j1),
                  (np.isfinite, lambda a: _oscillating(a, 1, False)))
    return _result(x, np.where(np.signbit(x64), -a, a))


def bessel_y0_array(x):
    """Y0(x) on a numpy array: -inf at ±0, NaN for x < 0 and at inf, as PyTorch."""
    return _result(x, _by_range(
        x, (lambda r: r == 0, lambda r: np.full_like(r, -np.inf)),
        (lambda r: (r > 0) & (r <= 5), lambda r: _horner(_Y0_YP, r * r)
         / _horner(_Y0_YQ, r * r) + _TWO_OVER_PI * np.log(r) * _j0(r)),
        (lambda r: (r > 5) & np.isfinite(r), lambda r: _oscillating(r, 0, True))))


def bessel_y1_array(x):
    """Y1(x) on a numpy array: -inf at ±0 (and below 1e-308, where 2/(pi x) overflows),
    NaN for x < 0 and at inf, as PyTorch."""
    return _result(x, _by_range(
        x, (lambda r: r == 0, lambda r: np.full_like(r, -np.inf)),
        (lambda r: (r > 0) & (r <= 5), lambda r: r * _horner(_Y1_YP, r * r)
         / _horner(_Y1_YQ, r * r) + _TWO_OVER_PI * (_j1(r) * np.log(r) - 1 / r)),
        (lambda r: (r > 5) & np.isfinite(r), lambda r: _oscillating(r, 1, True))))


# --- K -------------------------------------------------------------------------------------


def _modified_k(x, order, scaled):
    """K_order(x), or exp(x) K_order(x) (``scaled``), in float64: inf at ±0, NaN for
    x < 0, 0 at inf."""
    def near(r):    # (0, 2]: Cephes' series with I0 or I1
        t = r * r - 2
        if order == 0:
            k = _chebyshev(_K0_NEAR, t) - np.log(r / 2) * i0_array(r)
        else:
            k = np.log(r / 2) * i1_array(r) + _chebyshev(_K1_NEAR, t) / r
        return k * np.exp(r) if scaled else k

    def far(r):     # beyond 2, inf included (8/inf - 2 = -2, the series' end)
        ke = _chebyshev(_K1_FAR if order else _K0_FAR, 8 / r - 2) / np.sqrt(r)
        return ke if scaled else np.exp(-r) * ke

    return _by_range(x, (lambda r: r == 0, lambda r: np.full_like(r, np.inf)),
                     (lambda r: (r > 0) & (r <= 2), near), (lambda r: r > 2, far))


def modified_bessel_k0_array(x):
    """K0(x) on a numpy array."""
    return _result(x, _modified_k(x, 0, False))


def modified_bessel_k1_array(x):
    """K1(x) on a numpy array (inf below 1e-308, where 1/x overflows)."""
    return _result(x, _modified_k(x, 1, False))


def scaled_modified_bessel_k0_array(x):
    """exp(x) K0(x) on a numpy array."""
    return _result(x, _modified_k(x, 0, True))


def scaled_modified_bessel_k1_array(x):
    """exp(x) K1(x) on a numpy array."""
    return _result(x, _modified_k(x, 1, True))


# --- spherical j0 and Airy's Ai ------------------------------------------------------------

# sin(x)/x = sum over k of (-x**2)**k / (2k+1)!, to x**12, below |x| = 1/2 (PyTorch's
# branch), where the next term is under 1e-17: it is 1 at 0 with no 0/0, and its
# derivative below takes the same series where x cos x - sin x would cancel.
_SINC_SERIES = tuple((-1) ** k / np.prod(np.arange(1.0, 2 * k + 2)) for k in range(7))


def spherical_bessel_j0_array(x):
    """sin(x)/x on a numpy array: 1 at 0, 0 at ±inf (PyTorch's value)."""
    return _result(x, _by_range(
        x, (lambda r: np.abs(r) < 0.5, lambda r: _horner(_SINC_SERIES[::-1], r * r)),
        (np.isinf, np.zeros_like), (np.isfinite, lambda r: np.sin(r) / r)))


def _airy_series(x):
    """(Ai(x), Ai'(x)) for |x| <= 2.09 by Cephes' power series: Ai = c1 f - c2 g with
    f = sum z**k / (2·3 · 5·6 ··· (3k-1)·3k) and
    g = x sum z**k / (3·4 · 6·7 ··· 3k·(3k+1)),
    z = x**3, and Ai' from f' and g' alike; added until a term is below 2**-53 of its sum
    (13 terms of f at |x| = 2.09)."""
    z = x * x * x
    f, g, uf, ug, k = np.ones_like(x), x.copy(), np.ones_like(x), x.copy(), 1.0
    while True:
        uf = uf * z / ((k + 1) * (k + 2))
        ug = ug * z / ((k + 2) * (k + 3))
        f, g, k = f + uf, g + ug, k + 3
        if not np.any(np.abs(uf) > 1.1102230246251565e-16 * np.abs(f)):
            break
    ai = _AI_C1 * f - _AI_C2 * g
    # f' = x**2/2 + x**5/(2·3·5) + ..., g' = 1 + x**3/3 + x**6/(3·4·6) + ...
    fp, gp, uf, ug, k = x * x / 2, 1 + z / 3, x * x / 2, z / 3, 4.0
    while True:
        uf = uf * z / ((k - 1) * (k + 1))
        ug = ug * z / (k * (k + 2))
        fp, gp, k = fp + uf, gp + ug, k + 3
        if not np.any(np.abs(ug) > 1.1102230246251565e-16 * np.abs(gp)):
            break
    return ai, _AI_C1 * fp - _AI_C2 * gp


def _airy_positive(x, derivative):
    """Ai(x) or Ai'(x) beyond 2.09, with exp(-zeta) (not 1/exp(zeta)): Ai goes down to the
    subnormals (0 from x = 107) without an overflow on the way."""
    zeta = 2 / 3 * x * np.sqrt(x)
    quarter = np.sqrt(np.sqrt(x))
    decay = np.exp(-zeta) / (2 * _SQRT_PI)
    if derivative:
        return -_ratio(_AIP_FAR, 1 / zeta) * quarter * decay
    return _ratio(_AI_FAR, 1 / zeta) * decay / quarter


def _airy_negative(x, derivative):
    """Ai(x) or Ai'(x) below -2.09: an amplitude |x|**∓1/4 / sqrt(pi) times a wave in the
    phase t = zeta + pi/4, whose sine and cosine are sums of sin(zeta) and cos(zeta)."""
    a = -x
    zeta = 2 / 3 * a * np.sqrt(a)
    u = 1 / zeta
    uu = u * u
    fn, fd, gn, gd = _AIP_NEGATIVE if derivative else _AI_NEGATIVE
    F = 1 + uu * _horner(fn, uu) / _horner(fd, uu)
    G = u * _horner(gn, uu) / _horner(gd, uu)
    s, c = np.sin(zeta), np.cos(zeta)
    sin_t, cos_t = (s + c) / np.sqrt(2), (c - s) / np.sqrt(2)
    quarter = np.sqrt(np.sqrt(a))
    if derivative:
        return -quarter / _SQRT_PI * (cos_t * F + sin_t * G)
    return (sin_t * F - cos_t * G) / (_SQRT_PI * quarter)


def _airy(x, derivative):
    """Ai(x) or Ai'(x) in float64: NaN at ±inf, as PyTorch."""
    return _by_range(
        x, (lambda r: (r < -2.09) & np.isfinite(r), lambda r: _airy_negative(r, derivative)),
        (lambda r: r <= 2.09, lambda r: _airy_series(r)[derivative]),
        (np.isfinite, lambda r: _airy_positive(r, derivative)))


def airy_ai_array(x):
    """Ai(x) on a numpy array."""
    return _result(x, _airy(x, False))


def airy_ai_prime_array(x):
    """Ai'(x) on a numpy array."""
    return _result(x, _airy(x, True))


# --- the ops -------------------------------------------------------------------------------


def _zero(x):
    return np.asarray(_data(x)) == 0


def _away_from_zero(x, y):
    """(where x is ±0, x with 1 there, y with 0 there): the derivatives of Y1 and K are
    their limit ±inf at 0, and the formula beside it, taken at 1, stays finite there, since
    where's gradient multiplies the branch not taken by 0 and 0 * inf would be NaN."""
    zero = _zero(x)
    return zero, xp.where(zero, 1.0, x), xp.where(zero, 0.0, y)


class BesselJ0(Op):
    """y = bessel_j0(x)       dL/dx = -g * j1,  j1 = bessel_j1(x)"""

    __slots__ = ()

    def forward(self, x):
        return bessel_j0_array(x)

    def backward(self, g, y, x):
        return (-g * xp.bessel_j1(x),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"j1": bessel_j1_array(x)})


class BesselJ1(Op):
    """y = bessel_j1(x)       dL/dx = g * d,  d = bessel_j0(x) - y / x (1/2 at x = 0)"""

    __slots__ = ()

    def forward(self, x):
        return bessel_j1_array(x)

    def backward(self, g, y, x):
        tiny = _tiny(x)
        # x where it is not tiny, 1 where it is: the branch not taken stays finite, since
        # where's gradient multiplies it by 0 and 0 * inf would be NaN.
        d = xp.bessel_j0(x) - y / xp.where(tiny, 1.0, x)
        return (g * xp.where(tiny, 0.5, d),)

    def element(self, i, at, g, y, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(_tiny(x), 0.5, bessel_j0_array(x) - y / x)
        return Terms(arrays={"d": d})


class BesselY0(Op):
    """y = bessel_y0(x)       dL/dx = -g * y1,  y1 = bessel_y1(x)"""

    __slots__ = ()

    def forward(self, x):
        return bessel_y0_array(x)

    def backward(self, g, y, x):
        return (-g * xp.bessel_y1(x),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"y1": bessel_y1_array(x)})


class BesselY1(Op):
    """y = bessel_y1(x)       dL/dx = g * d,  d = bessel_y0(x) - y / x (inf at x = 0)"""

    __slots__ = ()

    def forward(self, x):
        return bessel_y1_array(x)

    def backward(self, g, y, x):
        # At ±0, -inf - (-inf)/0 is NaN or -inf; the limit of d ~ 2 / (pi x**2) is inf.
        zero, x, y = _away_from_zero(x, y)
        return (g * xp.where(zero, np.inf, xp.bessel_y0(x) - y / x),)

    def element(self, i, at, g, y, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(_zero(x), np.inf, bessel_y0_array(x) - y / x)
        return Terms(arrays={"d": d})


class ModifiedBesselK0(Op):
    """y = modified_bessel_k0(x)       dL/dx = -g * k1,  k1 = modified_bessel_k1(x)"""

    __slots__ = ()

    def forward(self, x):
        return modified_bessel_k0_array(x)

    def backward(self, g, y, x):
        return (-g * xp.modified_bessel_k1(x),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"k1": modified_bessel_k1_array(x)})


class ModifiedBesselK1(Op):
    """y = modified_bessel_k1(x)
    dL/dx = -g * d,  d = modified_bessel_k0(x) + y / x (inf at x = 0)"""

    __slots__ = ()

    def forward(self, x):
        return modified_bessel_k1_array(x)

    def backward(self, g, y, x):
        # At -0, inf + inf/(-0) is NaN; the limit of d ~ 1/x**2 is inf.
        zero, x, y = _away_from_zero(x, y)
        return (-g * xp.where(zero, np.inf, xp.modified_bessel_k0(x) + y / x),)

    def element(self, i, at, g, y, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(_zero(x), np.inf, modified_bessel_k0_array(x) + y / x)
        return Terms(arrays={"d": d})


class ScaledModifiedBesselK0(Op):
    """y = k0e(x) = exp(x) k0(x)
    dL/dx = g * d,  d = y - scaled_modified_bessel_k1(x) (-inf at x = 0)"""

    __slots__ = ()

    def forward(self, x):
        return scaled_modified_bessel_k0_array(x)

    def backward(self, g, y, x):
        # At 0, inf - inf is NaN; k0e ~ -log x and k1e ~ 1/x make the limit -inf.
        zero, x, y = _away_from_zero(x, y)
        return (g * xp.where(zero, -np.inf, y - xp.scaled_modified_bessel_k1(x)),)

    def element(self, i, at, g, y, x):
        with np.errstate(invalid="ignore"):
            d = np.where(_zero(x), -np.inf, y - scaled_modified_bessel_k1_array(x))
        return Terms(arrays={"d": d})


class ScaledModifiedBesselK1(Op):
    """y = k1e(x) = exp(x) k1(x)
    dL/dx = g * d,  d = y * (1 - 1 / x) - scaled_modified_bessel_k0(x) (-inf at x = 0)"""

    __slots__ = ()

    def forward(self, x):
        return scaled_modified_bessel_k1_array(x)

    def backward(self, g, y, x):
        # At -0, inf * (1 + inf) - inf is NaN; the limit of -1/x**2 is -inf.
        zero, x, y = _away_from_zero(x, y)
        d = y * (1 - 1 / x) - xp.scaled_modified_bessel_k0(x)
        return (g * xp.where(zero, -np.inf, d),)

    def element(self, i, at, g, y, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(_zero(x), -np.inf,
                         y * (1 - 1 / x) - scaled_modified_bessel_k0_array(x))
        return Terms(arrays={"d": d})


# The derivative of sin(x)/x, (x cos x - sin x)/x**2 = sum over k >= 1 of
# (-1)**k 2k x**(2k-1) / (2k+1)!: below |x| = 1/2, as a polynomial in x**2 times x.
_SINC_SLOPE_SERIES = tuple(2 * k * c for k, c in enumerate(_SINC_SERIES))[1:]


class SphericalBesselJ0(Op):
    """y = sin(x) / x
    dL/dx = g * d,  d = (x cos(x) - sin(x)) / x**2 (0 at x = 0)"""

    __slots__ = ()

    def forward(self, x):
        return spherical_bessel_j0_array(x)

    @staticmethod
    def _slope(x):
        """d, with the series below |x| = 1/2, where x cos x and sin x cancel."""
        small = np.abs(_data(x)) < 0.5
        z = x * x
        series = _SINC_SLOPE_SERIES[-1]
        for c in _SINC_SLOPE_SERIES[-2::-1]:
            series = series * z + c
        safe = xp.where(small, 1.0, x)
        return xp.where(small, series * x,
                        (safe * xp.cos(safe) - xp.sin(safe)) / (safe * safe))

    def backward(self, g, y, x):
        return (g * self._slope(x),)

    def element(self, i, at, g, y, x):
        with np.errstate(invalid="ignore"):
            return Terms(arrays={"d": self._slope(np.asarray(x, dtype=np.float64))})


class AiryAi(Op):
    """y = airy_ai(x)       dL/dx = g * p,  p = Ai'(x) (airy_ai_prime)"""

    __slots__ = ()

    def forward(self, x):
        return airy_ai_array(x)

    def backward(self, g, y, x):
        return (g * xp.airy_ai_prime(x),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"p": airy_ai_prime_array(x)})


class AiryAiPrime(Op):
    """y = Ai'(x)       dL/dx = g * x * ai,  ai = airy_ai(x)   (Ai'' = x Ai, Airy's equation)"""

    __slots__ = ()

    def forward(self, x):
        return airy_ai_prime_array(x)

    def backward(self, g, y, x):
        return (g * x * xp.airy_ai(x),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"ai": airy_ai_array(x)})


# --- the functions -------------------------------------------------------------------------


def bessel_j0(x):
    """The Bessel function of the first kind of order 0, J0(x) = sum over k of
    (-1)**k (x/2)**(2k) / (k!)**2 (``torch.special.bessel_j0``,
    ``tf.math.special.bessel_j0``): even, 1 at 0. Its derivative is -J1(x).

    >>> round(float(bessel_j0(1.0)), 6)
    0.765198
    """
    return apply(BesselJ0(), float_operand(x, BesselJ0))


def bessel_j1(x):
    """The Bessel function of the first kind of order 1, J1(x) = sum over k of
    (-1)**k (x/2)**(2k+1) / (k! (k+1)!) (``torch.special.bessel_j1``,
    ``tf.math.special.bessel_j1``): odd, 0 at 0. Its derivative is J0(x) - J1(x)/x, 1/2 at 0.

    >>> round(float(bessel_j1(1.0)), 6)
    0.440051
    """
    return apply(BesselJ1(), float_operand(x, BesselJ1))


def bessel_y0(x):
    """The Bessel function of the second kind of order 0, Y0(x) (``torch.special.bessel_y0``,
    ``tf.math.special.bessel_y0``): about 2/pi log(x/2) near 0, -inf at 0, NaN for x < 0.
    Its derivative is -Y1(x).

    >>> round(float(bessel_y0(1.0)), 6)
    0.088257
    """
    return apply(BesselY0(), float_operand(x, BesselY0))


def bessel_y1(x):
    """The Bessel function of the second kind of order 1, Y1(x) (``torch.special.bessel_y1``,
    ``tf.math.special.bessel_y1``): about -2/(pi x) near 0, -inf at 0, NaN for x < 0. Its
    derivative is Y0(x) - Y1(x)/x.

    >>> round(float(bessel_y1(1.0)), 6)
    -0.781213
    """
    return apply(BesselY1(), float_operand(x, BesselY1))


def modified_bessel_k0(x):
    """The modified Bessel function of the second kind of order 0, K0(x) = integral of
    exp(-x cosh t) for t from 0 to inf (``torch.special.modified_bessel_k0``,
    ``tf.math.special.bessel_k0``): inf at 0, NaN for x < 0, about exp(-x) sqrt(pi / 2x)
    for large x. Its derivative is -K1(x).

    >>> round(float(modified_bessel_k0(1.0)), 6)
    0.421024
    """
    return apply(ModifiedBesselK0(), float_operand(x, ModifiedBesselK0))


def modified_bessel_k1(x):
    """The modified Bessel function of the second kind of order 1, K1(x) = integral of
    exp(-x cosh t) cosh t for t from 0 to inf (``torch.special.modified_bessel_k1``,
    ``tf.math.special.bessel_k1``): about 1/x near 0, inf at 0, NaN for x < 0. Its
    derivative is -K0(x) - K1(x)/x.

    >>> round(float(modified_bessel_k1(1.0)), 6)
    0.601907
    """
    return apply(ModifiedBesselK1(), float_operand(x, ModifiedBesselK1))


def scaled_modified_bessel_k0(x):
    """exp(x) K0(x), K0 scaled to stay finite (``torch.special.scaled_modified_bessel_k0``,
    ``tf.math.special.bessel_k0e``): about sqrt(pi / 2x) for large x.

    >>> round(float(scaled_modified_bessel_k0(700.0)), 6)
    0.047362
    """
    return apply(ScaledModifiedBesselK0(), float_operand(x, ScaledModifiedBesselK0))


def scaled_modified_bessel_k1(x):
    """exp(x) K1(x), K1 scaled to stay finite (``torch.special.scaled_modified_bessel_k1``,
    ``tf.math.special.bessel_k1e``).

    >>> round(float(scaled_modified_bessel_k1(700.0)), 6)
    0.047396
    """
    return apply(ScaledModifiedBesselK1(), float_operand(x, ScaledModifiedBesselK1))


def spherical_bessel_j0(x):
    """The spherical Bessel function of the first kind of order 0, j0(x) = sin(x) / x
    (``torch.special.spherical_bessel_j0``): 1 at 0. Its derivative is
    (x cos x - sin x) / x**2, 0 at 0.

    >>> round(float(spherical_bessel_j0(2.0)), 6)
    0.454649
    """
    return apply(SphericalBesselJ0(), float_operand(x, SphericalBesselJ0))


def airy_ai(x):
    """Airy's function Ai(x), the solution of y'' = x y that decays for x > 0
    (``torch.special.airy_ai``): Ai(0) = 0.355028. Its derivative is Ai'(x)
    (``airy_ai_prime``), whose derivative is x Ai(x).

    >>> round(float(airy_ai(1.0)), 6)
    0.135292
    """
    return apply(AiryAi(), float_operand(x, AiryAi))


def airy_ai_prime(x):
    """Ai'(x), the derivative of ``airy_ai``: -0.258819 at 0. Not one of PyTorch's names, so
    not exported: it is airy_ai's gradient, and its own is x Ai(x).

    >>> round(float(airy_ai_prime(1.0)), 6)
    -0.159147
    """
    return apply(AiryAiPrime(), float_operand(x, AiryAiPrime))
