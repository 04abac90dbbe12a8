"""TensorFlow's other ``tf.math.special`` functions: Dawson's integral, the exponential
integral, the Fresnel integrals and Spence's function (scipy.special's dawsn, expi,
fresnel and spence; neither numpy nor PyTorch has them).

- dawsn(x) = exp(-x**2) * integral of exp(t**2) for t from 0 to x: odd, largest 0.541 at
  x = 0.924, about 1/(2x) far out.
- expint(x) = Ei(x) = -(principal value) integral of exp(-t)/t for t from -x to inf:
  -inf at 0, and for x < 0 the real value -E1(-x), as scipy's expi (TensorFlow's expint
  answers NaN there, as Eigen's, whose Cephes approximations cover x > 0 only).
- fresnel_cos(x) = C(x) and fresnel_sin(x) = S(x), the integrals of cos(pi t**2 / 2) and
  sin(pi t**2 / 2) from 0 to x: odd, both tending to 1/2.
- spence(x) = integral of log(t) / (1 - t) for t from 1 to x (x >= 0, NaN below), the
  dilogarithm Li2(1 - x): pi**2/6 at 0, 0 at 1, about -log(x)**2 / 2 far out.

The forwards are S. L. Moshier's Cephes rational approximations (dawsn.c, ei.c, fresnl.c,
spence.c), the ones TensorFlow's kernels use, with E1 for Ei of x < 0 from Cephes'
expn.c (a power series up to 1, a continued fraction beyond). One change: the phase
pi x**2 / 2 of the Fresnel integrals is reduced by whole turns exactly before it is
rounded (Cephes' and TensorFlow's lose its digits as x grows: 1e-8 of it at x = 1e4).
float64 inside whatever x's dtype (float32 in, float32 out). Worst relative errors
measured against mpmath (tests/test_tf_special.py): dawsn 4.5e-16 on [-1e12, 1e12];
expint 1.4e-15 on [-740, 716] where |Ei| > 0.1, and 1.4e-16 of absolute error nearer
its zero x0 = 0.3725; fresnel_cos and fresnel_sin 6.7e-16 on [-1e17, 1e17]; spence
3.3e-15 on [0, 1e300] (Cephes states 3.9e-15).

The derivatives are TensorFlow's (math_grad.py), written with the library's own ops so
that they differentiate again: dawsn' = 1 - 2 x dawsn(x), Ei'(x) = exp(x) / x,
C'(x) = cos(pi x**2 / 2), S'(x) = sin(pi x**2 / 2), spence'(x) = log(x) / (1 - x),
-1 at x = 1.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, _data, apply
from ..worked import Terms
from . import xp
from ._operands import float_operand
from .bessel import _result
from .special import _horner

__all__ = ["dawsn", "expint", "fresnel_cos", "fresnel_sin", "spence"]

# Coefficients highest power first, as Cephes lists them (its p1evl's implied leading 1
# written out).
# dawsn(x) = x P(x**2) / Q(x**2) on [0, 3.25):
_DAWSN_AN = (1.13681498971755972054E-11, 8.49262267667473811108E-10,
             1.94434204175553054283E-8, 9.53151741254484363489E-7,
             3.07828309874913200438E-6, 3.52513368520288738649E-4,
             -8.50149846724410912031E-4, 4.22618223005546594270E-2,
             -9.17480371773452345351E-2, 9.99999999999999994612E-1)
_DAWSN_AD = (2.40372073066762605484E-11, 1.48864681368493396752E-9,
             5.21265281010541664570E-8, 1.27258478273186970203E-6,
             2.32490249820789513991E-5, 3.25524741826057911661E-4,
             3.48805814657162590916E-3, 2.79448531198828973716E-2,
             1.58874241960120565368E-1, 5.74918629489320327824E-1,
             1.00000000000000000539E0)
# 2 dawsn(x) = 1/x + P(1/x**2) / (x Q(1/x**2)) / x**2 on [3.25, 6.25) (B) and beyond (C):
_DAWSN_BN = (5.08955156417900903354E-1, -2.44754418142697847934E-1,
             9.41512335303534411857E-2, -2.18711255142039025206E-2,
             3.66207612329569181322E-3, -4.23209114460388756528E-4,
             3.59641304793896631888E-5, -2.14640351719968974225E-6,
             9.10010780076391431042E-8, -2.40274520828250956942E-9,
             3.59233385440928410398E-11)
_DAWSN_BD = (1.0, -6.31839869873368190192E-1, 2.36706788228248691528E-1,
             -5.31806367003223277662E-2, 8.48041718586295374409E-3,
             -9.47996768486665330168E-4, 7.81025592944552338085E-5,
             -4.55875153252442634831E-6, 1.89100358111421846170E-7,
             -4.91324691331920606875E-9, 7.18466403235734541950E-11)
_DAWSN_CN = (-5.90592860534773254987E-1, 6.29235242724368800674E-1,
             -1.72858975380388136411E-1, 1.64837047825189632310E-2,
             -4.86827613020462700845E-4)
_DAWSN_CD = (1.0, -2.69820057197544900361E0, 1.73270799045947845857E0,
             -3.93708582281939493482E-1, 3.44278924041233391079E-2,
             -9.73655226040941223894E-4)

_EULER = 0.57721566490153286061   # Euler's constant gamma
# Ei(x) = gamma + log(x) + x A(x) / B(x) on (0, 2):
_EI_A = (-5.350447357812542947283E0, 2.185049168816613393830E2, -4.176572384826693777058E3,
         5.541176756393557601232E4, -3.313381331178144034309E5, 1.592627163384945414220E6)
_EI_B = (1.0, -5.250547959112862969197E1, 1.259616186786790571525E3,
         -1.756549581973534652631E4, 1.493062117002725991967E5, -7.294949239640527645655E5,
         1.592627163384945429726E6)
# x exp(-x) Ei(x) = 1 + w P(w) / Q(w), w = 1/x, one rational function per interval:
# (lower end of the interval, P, Q).
_EI_FAR = (
    (2.0,
     (1.981808503259689673238E-2, -1.271645625984917501326E0, -2.088160335681228318920E0,
      2.755544509187936721172E0, -4.409507048701600257171E-1, 4.665623805935891391017E-2,
      -1.545042679673485262580E-3, 7.059980605299617478514E-5),
     (1.0, 1.476498670914921440652E0, 5.629177174822436244827E-1, 1.699017897879307263248E-1,
      2.291647179034212017463E-2, 4.450150439728752875043E-3, 1.727439612206521482874E-4,
      3.953167195549672482304E-5)),
    (4.0,
     (-1.373215375871208729803E0, -7.084559133740838761406E-1, 1.580806855547941010501E0,
      -2.601500427425622944234E-1, 2.994674694113713763365E-2, -1.038086040188744005513E-3,
      4.371064420753005429514E-5, 2.141783679522602903795E-6),
     (1.0, 8.585231423622028380768E-1, 4.483285822873995129957E-1, 7.687932158124475434091E-2,
      2.449868241021887685904E-2, 8.832165941927796567926E-4, 4.590952299511353531215E-4,
      -4.729848351866523044863E-6, 2.665195537390710170105E-6)),
    (8.0,
     (-2.106934601691916512584E0, 1.732733869664688041885E0, -2.423619178935841904839E-1,
      2.322724180937565842585E-2, 2.372880440493179832059E-4, -8.343219561192552752335E-5,
      1.363408795605250394881E-5, -3.655412321999253963714E-7, 1.464941733975961318456E-8,
      6.176407863710360207074E-10),
     (1.0, -2.298062239901678075778E-1, 1.105077041474037862347E-1,
      -1.566542966630792353556E-2, 2.761106850817352773874E-3, -2.089148012284048449115E-4,
      1.708528938807675304186E-5, -4.459311796356686423199E-7, 1.394634930353847498145E-8,
      6.150865933977338354138E-10)),
    (16.0,
     (-2.458119367674020323359E-1, -1.483382253322077687183E-1, 7.248291795735551591813E-2,
      -1.348315687380940523823E-2, 1.342775069788636972294E-3, -7.942465637159712264564E-5,
      2.644179518984235952241E-6, -4.239473659313765177195E-8),
     (1.0, -1.044225908443871106315E-1, -2.676453128101402655055E-1,
      9.695000254621984627876E-2, -1.601745692712991078208E-2, 1.496414899205908021882E-3,
      -8.462452563778485013756E-5, 2.728938403476726394024E-6, -4.239462431819542051337E-8)),
    (32.0,
     (1.212561118105456670844E-1, -5.823133179043894485122E-1, 2.348887314557016779211E-1,
      -3.040034318113248237280E-2, 1.510082146865190661777E-3, -2.523137095499571377122E-5),
     (1.0, -1.002252150365854016662E0, 2.928709694872224144953E-1,
      -3.337004338674007801307E-2, 1.560544881127388842819E-3, -2.523137093603234562648E-5)),
    (64.0,
     (-7.657847078286127362028E-1, 6.886192415566705051750E-1, -2.132598113545206124553E-1,
      3.346107552384193813594E-2, -3.076541477344756050249E-3, 1.747119316454907477380E-4,
      -6.103711682274170530369E-6, 1.218032765428652199087E-7, -1.086076102793290233007E-9),
     (1.0, -1.888802868662308731041E0, 1.066691687211408896850E0,
      -2.751915982306380647738E-1, 3.930852688233823569726E-2, -3.414684558602365085394E-3,
      1.866844370703555398195E-4, -6.345146083130515357861E-6, 1.239754287483206878024E-7,
      -1.086076102793126632978E-9)),
)

# S(x) = x**3 P(x**4) / Q(x**4) and C(x) = x P(x**4) / Q(x**4) for x**2 < 2.5625:
_FRESNEL_SN = (-2.99181919401019853726E3, 7.08840045257738576863E5, -6.29741486205862506537E7,
               2.54890880573376359104E9, -4.42979518059697779103E10, 3.18016297876567817986E11)
_FRESNEL_SD = (1.0, 2.81376268889994315696E2, 4.55847810806532581675E4,
               5.17343888770096400730E6, 4.19320245898111231129E8, 2.24411795645340920940E10,
               6.07366389490084639049E11)
_FRESNEL_CN = (-4.98843114573573548651E-8, 9.50428062829859605134E-6,
               -6.45191435683965050962E-4, 1.88843319396703850064E-2,
               -2.05525900955013891793E-1, 9.99999999999999998822E-1)
_FRESNEL_CD = (3.99982968972495980367E-12, 9.15439215774657478799E-10,
               1.25001862479598821474E-7, 1.22262789024179030997E-5,
               8.68029542941784300606E-4, 4.12142090722199792936E-2, 1.00000000000000000118E0)
# beyond, the auxiliary functions f = 1 - u P(u) / Q(u) and g = t P(u) / Q(u),
# t = 1 / (pi x**2), u = t**2:
_FRESNEL_FN = (4.21543555043677546506E-1, 1.43407919780758885261E-1,
               1.15220955073585758835E-2, 3.45017939782574027900E-4,
               4.63613749287867322088E-6, 3.05568983790257605827E-8,
               1.02304514164907233465E-10, 1.72010743268161828879E-13,
               1.34283276233062758925E-16, 3.76329711269987889006E-20)
_FRESNEL_FD = (1.0, 7.51586398353378947175E-1, 1.16888925859191382142E-1,
               6.44051526508858611005E-3, 1.55934409164153020873E-4,
               1.84627567348930545870E-6, 1.12699224763999035261E-8,
               3.60140029589371370404E-11, 5.88754533621578410010E-14,
               4.52001434074129701496E-17, 1.25443237090011264384E-20)
_FRESNEL_GN = (5.04442073643383265887E-1, 1.97102833525523411709E-1,
               1.87648584092575249293E-2, 6.84079380915393090172E-4,
               1.15138826111884280931E-5, 9.82852443688422223854E-8,
               4.45344415861750144738E-10, 1.08268041139020870318E-12,
               1.37555460633261799868E-15, 8.36354435630677421531E-19,
               1.86958710162783235106E-22)
_FRESNEL_GD = (1.0, 1.47495759925128324529E0, 3.37748989120019970451E-1,
               2.53603741420338795122E-2, 8.14679107184306179049E-4,
               1.27545075667729118702E-5, 1.04314589657571990585E-7,
               4.60680728146520428211E-10, 1.10273215066240270757E-12,
               1.38796531259578871258E-15, 8.39158816283118707363E-19,
               1.86958710162783236342E-22)

# spence(x) = -w P(w) / Q(w) on [0.5, 1.5], w = x - 1:
_SPENCE_A = (4.65128586073990045278E-5, 7.31589045238094711071E-3, 1.33847639578309018650E-1,
             8.79691311754530315341E-1, 2.71149851196553469920E0, 4.25697156008121755724E0,
             3.29771340985225106936E0, 1.00000000000000000126E0)
_SPENCE_B = (6.90990488912553276999E-4, 2.54043763932544379113E-2, 2.82974860602568089943E-1,
             1.41172597751831069617E0, 3.63800533345137075418E0, 5.03278880143316990390E0,
             3.54771340985225096217E0, 9.99999999999999998740E-1)
_PI2_6 = np.pi ** 2 / 6


def _ratio(p, q, z):
    return _horner(p, z) / _horner(q, z)


def _float64(x):
    return np.asarray(x).astype(np.float64)


# --- Dawson's integral ------------------------------------------------------------------


def _dawsn_far(a, n, d):
    w = 1 / (a * a)
    return 0.5 * (1 / a + w * _ratio(n, d, w) / a)


def dawsn_array(x):
    """Dawson's integral on a numpy array: odd, 0 at ±inf."""
    a = np.abs(_float64(x))
    y = np.piecewise(a, [a < 3.25, (a >= 3.25) & (a < 6.25), (a >= 6.25) & (a <= 1e9)], [
        lambda a: a * _ratio(_DAWSN_AN, _DAWSN_AD, a * a),
        lambda a: _dawsn_far(a, _DAWSN_BN, _DAWSN_BD),
        lambda a: _dawsn_far(a, _DAWSN_CN, _DAWSN_CD),
        # the next term, 1/(4 a**3), is below 1e-18 of this one; 0 at inf, NaN stays NaN
        lambda a: 0.5 / a])
    return _result(x, np.copysign(y, _float64(x)))


# --- the exponential integral -----------------------------------------------------------

_E1_MAX_STEPS = 400


def _e1_series(z):
    """E1(z) = -gamma - log(z) - sum over k >= 1 of (-z)**k / (k k!), for 0 < z <= 1
    (below 1e-27 from the 25th term on)."""
    term, total = np.ones_like(z), np.zeros_like(z)
    for k in range(1, 26):
        term = term * -z / k
        total = total + term / k
    return -_EULER - np.log(z) - total


def _e1_fraction(z):
    """E1(z) for z > 1 by Cephes' continued fraction exp(-z) / (z + 1/(1 + 1/(z + 2/(1 +
    2/(z + ...))))), stepped until no element's convergent moves (about 200 steps at z = 1,
    a few far out)."""
    # Beyond 745.2 E1 underflows to 0 whatever the fraction (and inf would make it NaN).
    z = np.minimum(z, 800.0)
    p0, q0, p1, q1 = np.ones_like(z), z.copy(), np.ones_like(z), z + 1
    ratio = p1 / q1
    for k in range(2, _E1_MAX_STEPS):
        y, n = (1.0, (k + 1) // 2) if k % 2 else (z, k // 2)
        p0, q0, p1, q1 = p1, q1, p1 * y + p0 * n, q1 * y + q0 * n
        # the convergents' numerators and denominators grow without bound; rescale them
        big = np.abs(q1) > 2.0 ** 100
        p0, q0, p1, q1 = (np.where(big, v * 2.0 ** -100, v) for v in (p0, q0, p1, q1))
        previous, ratio = ratio, p1 / q1
        if np.all(np.abs(ratio - previous) <= 1.1e-16 * np.abs(ratio)):   # Cephes' MACHEP
            break
    with np.errstate(under="ignore"):
        return ratio * np.exp(-z)


def _ei_far(x, p, q):
    w = 1 / x
    with np.errstate(over="ignore"):
        half = np.exp(x / 2)   # exp(x) alone overflows from 709.8, Ei(x) only from 716.35
        return half * (w * (1 + w * _ratio(p, q, w))) * half


def expint_array(x):
    """Ei(x) on a numpy array: -inf at 0, -E1(-x) below 0 (-0 at -inf), inf beyond 716.35."""
    v = _float64(x)
    pieces = [v < -1, (v >= -1) & (v < 0), v == 0, (v > 0) & (v < 2)]
    functions = [lambda v: -_e1_fraction(-v), lambda v: -_e1_series(-v), -np.inf,
                 lambda v: _EULER + np.log(v) + v * _ratio(_EI_A, _EI_B, v)]
    ends = [start for start, _, _ in _EI_FAR[1:]] + [np.inf]
    for (start, p, q), end in zip(_EI_FAR, ends):
        pieces.append((v >= start) & (v < end))
        functions.append(lambda v, p=p, q=q: _ei_far(v, p, q))
    pieces.append(v == np.inf)
    functions += [np.inf, np.nan]
    return _result(x, np.piecewise(v, pieces, functions))


# --- the Fresnel integrals --------------------------------------------------------------


def _square_mod_4(a):
    """x**2 less a multiple of 4, in (-4, 8), exactly to the last bits of x**2: the phase
    pi x**2 / 2 of cos and sin less whole turns. x**2 is split into its rounded value and
    the rounding's error (Dekker's product: x in two 26-bit halves, whose products are
    exact), each reduced by fmod, which is exact. From 2**53 on, x is an even integer and
    x**2 a multiple of 4: 0 there, and at ±inf, where the phase has no limit but is
    divided by inf (C and S) or NaN already (their derivatives)."""
    a = np.abs(a)
    with np.errstate(over="ignore", invalid="ignore"):
        square = a * a
        split = a * 134217729.0   # 2**27 + 1
        high = split - (split - a)
        low = a - high
        error = ((high * high - square) + 2 * high * low) + low * low
        return np.where(a < 2.0 ** 53, np.fmod(square, 4) + np.fmod(error, 4), 0.0)


def _fresnel_far(a):
    """(C(a), S(a)) for a**2 >= 2.5625, from the auxiliary functions f and g."""
    with np.errstate(over="ignore"):
        t = 1 / (np.pi * a * a)
    u = t * t
    f = 1 - u * _ratio(_FRESNEL_FN, _FRESNEL_FD, u)
    g = t * _ratio(_FRESNEL_GN, _FRESNEL_GD, u)
    phase = np.pi / 2 * _square_mod_4(a)
    c, s = np.cos(phase), np.sin(phase)
    return 0.5 + (f * s - g * c) / (np.pi * a), 0.5 - (f * c + g * s) / (np.pi * a)


def _fresnel_array(x, sine):
    """S(x) (``sine``) or C(x) on a numpy array: odd, ±1/2 at ±inf."""
    a = np.abs(_float64(x))
    with np.errstate(over="ignore"):
        near = a * a < 2.5625
    if sine:
        small = lambda a: a ** 3 * _ratio(_FRESNEL_SN, _FRESNEL_SD, a ** 4)  # noqa: E731
    else:
        small = lambda a: a * _ratio(_FRESNEL_CN, _FRESNEL_CD, a ** 4)  # noqa: E731
    y = np.piecewise(a, [near, ~near & ~np.isnan(a)],
                     [small, lambda a: _fresnel_far(a)[1 if sine else 0], np.nan])
    return _result(x, np.copysign(y, _float64(x)))


def fresnel_cos_array(x):
    """C(x) on a numpy array."""
    return _fresnel_array(x, sine=False)


def fresnel_sin_array(x):
    """S(x) on a numpy array."""
    return _fresnel_array(x, sine=True)


def _square_turned(x):
    """x**2 as the Fresnel derivatives read it: its value reduced by whole turns exactly
    (``_square_mod_4``), so that cos(pi/2 * it) keeps its digits at large x, its derivative
    2x (from x * x less constants). Where |x| >= 2**53 (finite), x**2 is a multiple of 4
    and may overflow, so x is taken as 0 there: the same cos and sin, and the second
    derivative -pi x sin(pi x**2 / 2) is 0 there too."""
    data = np.asarray(_data(x))
    huge = np.isfinite(data) & (np.abs(data) >= 2.0 ** 53)
    x = xp.where(huge, 0.0, x)
    data = np.where(huge, 0.0, data)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = data * data
        return (x * x - rounded) + _square_mod_4(data.astype(np.float64)).astype(data.dtype)


# --- Spence's function ------------------------------------------------------------------


def _spence_positive(v):
    """Cephes' spence for finite x > 0, x != 1: the rational function on [0.5, 1.5] in
    w = x - 1, reached below 0.5 by the reflection Li2(x) + Li2(1 - x) = pi**2/6 -
    log(x) log(1 - x) and above 1.5 by the inversion spence(1/x) = -spence(x) -
    log(x)**2 / 2."""
    # 1/s overflows for the subnormal s, log1p(-s) is NaN for s > 1: branches where() drops
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        s = np.where(v > 2, 1 / v, v)
        w = np.where(s > 1.5, 1 / s - 1, np.where(s < 0.5, -s, s - 1))
        y = -w * _ratio(_SPENCE_A, _SPENCE_B, w)
        y = np.where(s < 0.5, _PI2_6 - np.log(s) * np.log1p(-s) - y, y)
    z = np.log(s)
    return np.where(v > 1.5, -0.5 * z * z - y, y)


def spence_array(x):
    """spence(x) on a numpy array: NaN below 0, pi**2/6 at 0, 0 at 1, -inf at inf."""
    v = _float64(x)
    return _result(x, np.piecewise(
        v, [v < 0, v == 0, v == 1, v == np.inf, (v > 0) & (v < np.inf) & (v != 1)],
        [np.nan, _PI2_6, 0.0, -np.inf, _spence_positive, np.nan]))


# --- the ops ------------------------------------------------------------------------------


class Dawsn(Op):
    """y = dawsn(x) = exp(-x**2) * integral of exp(t**2) from 0 to x
    dL/dx = g * (1 - 2 * x * y)"""

    __slots__ = ()

    def forward(self, x):
        return dawsn_array(x)

    def backward(self, g, y, x):
        with np.errstate(invalid="ignore"):   # inf * 0 at ±inf: NaN, as TensorFlow's
            return (g * (1 - 2 * x * y),)


class Expint(Op):
    """y = Ei(x) = -integral of exp(-t) / t from -x to inf       dL/dx = g * exp(x) / x"""

    __slots__ = ()

    def forward(self, x):
        return expint_array(x)

    def backward(self, g, y, x):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (g * xp.exp(x) / x,)


class FresnelCos(Op):
    """y = C(x) = integral of cos(pi/2 * t**2) from 0 to x       dL/dx = g * cos(pi/2 * x**2)"""

    __slots__ = ()

    def forward(self, x):
        return fresnel_cos_array(x)

    def backward(self, g, y, x):
        return (g * xp.cos(np.pi / 2 * _square_turned(x)),)


class FresnelSin(Op):
    """y = S(x) = integral of sin(pi/2 * t**2) from 0 to x       dL/dx = g * sin(pi/2 * x**2)"""

    __slots__ = ()

    def forward(self, x):
        return fresnel_sin_array(x)

    def backward(self, g, y, x):
        return (g * xp.sin(np.pi / 2 * _square_turned(x)),)


class Spence(Op):
    """y = spence(x) = integral of log(t) / (1 - t) from 1 to x
    dL/dx = g * d,  d = log(x) / (1 - x) (-1 at x = 1)"""

    __slots__ = ()

    def forward(self, x):
        return spence_array(x)

    def backward(self, g, y, x):
        one = np.asarray(_data(x)) == 1
        # 2 where x is 1: the branch not taken stays finite (log(1)/0 is 0/0, and where's
        # gradient would multiply it by 0). At 1, -1 + (x - 1)/2 is d to first order, so
        # that the second derivative there is its limit 1/2.
        safe = xp.where(one, 2.0, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = xp.where(one, (x - 1) / 2 - 1, xp.log(safe) / (1 - safe))
        return (g * d,)

    def element(self, i, at, g, y, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(x == 1, -1.0, np.log(x) / (1 - x))
        return Terms(arrays={"d": d})


# --- the functions --------------------------------------------------------------------------


def dawsn(x):
    """Dawson's integral F(x) = exp(-x**2) * integral of exp(t**2) for t from 0 to x
    (``tf.math.special.dawsn``, ``scipy.special.dawsn``): odd, about 1/(2x) for large |x|.
    Its derivative is 1 - 2 x F(x).

    >>> round(float(dawsn(1.0)), 6)
    0.53808
    """
    return apply(Dawsn(), float_operand(x, Dawsn))


def expint(x):
    """The exponential integral Ei(x) (``tf.math.special.expint``, ``scipy.special.expi``):
    -inf at 0, -E1(-x) for x < 0 (where TensorFlow's answers NaN), inf beyond 716.35. Its
    derivative is exp(x) / x.

    >>> round(float(expint(1.0)), 6), round(float(expint(-1.0)), 6)
    (1.895118, -0.219384)
    """
    return apply(Expint(), float_operand(x, Expint))


def fresnel_cos(x):
    """The Fresnel cosine integral C(x), of cos(pi t**2 / 2) for t from 0 to x
    (``tf.math.special.fresnel_cos``, ``scipy.special.fresnel(x)[1]``): odd, 1/2 at inf.
    Its derivative is cos(pi x**2 / 2).

    >>> round(float(fresnel_cos(1.0)), 6)
    0.779893
    """
    return apply(FresnelCos(), float_operand(x, FresnelCos))


def fresnel_sin(x):
    """The Fresnel sine integral S(x), of sin(pi t**2 / 2) for t from 0 to x
    (``tf.math.special.fresnel_sin``, ``scipy.special.fresnel(x)[0]``): odd, 1/2 at inf.
    Its derivative is sin(pi x**2 / 2).

    >>> round(float(fresnel_sin(1.0)), 6)
    0.438259
    """
    return apply(FresnelSin(), float_operand(x, FresnelSin))


def spence(x):
    """Spence's function, the integral of log(t) / (1 - t) for t from 1 to x
    (``tf.math.special.spence``, ``scipy.special.spence``): the dilogarithm Li2(1 - x),
    pi**2/6 at 0, 0 at 1, NaN for x < 0. Its derivative is log(x) / (1 - x), -1 at 1.

    >>> round(float(spence(2.0)), 6)
    -0.822467
    """
    return apply(Spence(), float_operand(x, Spence))
