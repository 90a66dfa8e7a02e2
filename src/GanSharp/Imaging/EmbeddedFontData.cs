namespace GanSharp.Imaging;

// A subset of DejaVu Sans and DejaVu Sans Bold (printable ASCII, Greek lower case, ° ± µ · × – — − …), gzip
// compressed, base64. Embedded so that plots have text on machines with no system fonts: SkiaSharp's
// NoDependencies build finds fonts only under /usr/share/fonts, and draws no text at all when there are none.
//
// Made with fontTools from Debian's fonts-dejavu-core 2.37:
//   python3 -m fontTools.subset DejaVuSans.ttf --unicodes="U+0020-007E,U+00B0,U+00B1,U+00B5,U+00B7,U+00D7,
//     U+2013,U+2014,U+2212,U+2026,U+03B1-03C9" --no-hinting --layout-features=kern; gzip -9; base64
//
// License of the font data (Bitstream Vera license; DejaVu changes are in the public domain):
// Copyright (c) 2003 by Bitstream, Inc. All Rights Reserved. Bitstream Vera is a trademark of Bitstream, Inc.
// Permission is hereby granted, free of charge, to any person obtaining a copy of the fonts accompanying this
// license ("Fonts") and associated documentation files (the "Font Software"), to reproduce and distribute the
// Font Software, including without limitation the rights to use, copy, merge, publish, distribute, and/or sell
// copies of the Font Software, and to permit persons to whom the Font Software is furnished to do so, subject to
// the following conditions: The above copyright and trademark notices and this permission notice shall be
// included in all copies of one or more of the Font Software typefaces. The Font Software may be modified,
// altered, or added to, and in particular the designs of glyphs or characters in the Fonts may be modified and
// additional glyphs or characters may be added to the Fonts, only if the fonts are renamed to names not
// containing either the words "Bitstream" or the word "Vera". This License becomes null and void to the extent
// applicable to Fonts or Font Software that has been modified and is distributed under the "Bitstream Vera"
// names. The Font Software may be sold as part of a larger software package but no copy of one or more of the
// Font Software typefaces may be sold by itself.
// THE FONT SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
// LIMITED TO ANY WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT OF
// COPYRIGHT, PATENT, TRADEMARK, OR OTHER RIGHT. IN NO EVENT SHALL BITSTREAM OR THE GNOME FOUNDATION BE LIABLE
// FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, INCLUDING ANY GENERAL, SPECIAL, INDIRECT, INCIDENTAL, OR
// CONSEQUENTIAL DAMAGES, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF THE USE OR
// INABILITY TO USE THE FONT SOFTWARE OR FROM OTHER DEALINGS IN THE FONT SOFTWARE.
// Except as contained in this notice, the names of Gnome, the Gnome Foundation, and Bitstream Inc., shall not be
// used in advertising or otherwise to promote the sale, use or other dealings in this Font Software without
// prior written authorization from the Gnome Foundation or Bitstream Inc., respectively.
internal static class EmbeddedFontData
{
    public const string SansRegularGzipBase64 =
        "H4sICAR4BGsCA2dzLXNhbnMudHRmAMV6CVwUR/Nod8/MLogCu1zegsvhfbAiXqgxSoiiEg9U4sFyiSKgICqiIqIiIYjKoSIiKhpC" +
        "lCAaBTQmSjyJiX5IEoLGqFFMNEoSv0Rlp/dVzyyX+r7j/fP/vYGe6Z6urqurqqt7FmGEkAVaizi0+K2x4zyRCq1DaIA9vLV9y2fy" +
        "VKVj56+hPQQhs9NvTZ0+xiV/VAVCw59Bf9bEN6Z5rXX5qjNCI7YgRLZMntrfddHJd6Dddxr0+waG6xa7jPBcDe1D0F46Xxe9GCnh" +
        "Dw2whnbb+YtiQ0r6/RQGdT1CPUJDg3VBTl/cSUGoVzG8G8xetNujhL6+A6DtGBq+dMVRzq8r9D8Ael6LIgN1fF9z4KfneoRwn3Dd" +
        "isWomjsD7SCAt4/QhQe7/OpxGqF+IA++vjgyeqmhFvkh1P8p60cEuwEeJFSD9KYIOWltNCqtitNw2K2ystJ6nw2lQrW4hO7CwQB2" +
        "jiskP0uwIAFWaVQOUHBkIXEsBKhq0psVgMtFSGEnnAa4bgDnwDmYYQcrLedg4yAVjZVU3BykwtvRm9Ow09hQ7Lggbz4eQvdOwSPp" +
        "rtC8+bR2/t5Qeg77T6On8YIQbgMt4ZKoDu+humxaspMG4FxWduJJ2XgPAmqFtIoPV1gjB9QD9QfKGq4fdnHriu1U/bDboMHublob" +
        "aNjAS1VXbGOtUHIqc3ja2qlGQr8zORaEF/xjYci1yJuXvv8yaE7R1Kkfz777zd1vgpauXHI7PiGOVuG+pG/fY6PfwPii46Gs/afM" +
        "Hz7gu3X6uFc/nk7XHMv5sMKCQzi73cKZvv7VdLIqwm9mKBLQEsNdZU+hHpkhO6RBLkgLvHVXAGGt62Cg6+JqC8xoujsDjy3fO2mx" +
        "xqpFn3BtRmDgjOmBgdNzy0/uzis/qd/uGxgwY0ZgEDcwT++X1y331Mk9e8rKydaM9esyM9clZsbfOHmytvbkqVqiy1y3PiNjfUJW" +
        "/PM/FO1qT376fe2p8hswVwmGuwIF3kwRWBiW1AHU3U3xSOyuVRAl1riYY013xPQnaVHrastUqJEYxb+/O/163ryDb9M4rB8+RlHe" +
        "NnQOttOnhf6U+Bv9auPGAa4/lE49MH1G7tgFicM5zTt7Z247O2o0SROfzaqMWk/pGno3fdYMbPXt2tuBo1aP2HfO0fF4/4GRM7Xz" +
        "gRlmbzhSsjfJ2sDSZDNjfcX0dxKnUKN20FAQG2u1ncaZuA1Su5O4jesSN+RlZWZsV6jv05F1dXT4vYf4/I+38BeP2Mh8GBkpj7TS" +
        "2qptrIlSM1jtNojkw6DMrLwNiYkK9SM64taPdNjDe/hcXR0+y8Z5kPFcBWhKBY12WOkEHAkufbG7AB7jxFXQnXj+MFocRYuH4fl0" +
        "5zDsE4V9+FtnKwIqaRKOrQyoOBtYiWNpUiXgqkFIqBV4sAiQDHyC+ZKbg4orIn3FqgKxivQVeLGqkFUKSV9GPdegxhWIgjUhd60N" +
        "+E99VX7CFHqIfo5Hs/4gfIvEk0SmKytAGEQ6ifdIYj701EJ3EYzkpJGa2qoqStkIZBhDSozaBUsjJoXiM1Dw83CwiiTDXT7NaLFg" +
        "q0Rlqda6qlWWxMUVqSwR2APcSUrO7t3wv3t3AzalfzU00L+wqeBDr9AvoVwBpFo8CGvzaDTdSJNoNE7FsXglTgXatxHi/YB2G+DJ" +
        "QSW4OWmZFigeD1oMvozH6/ML+WivUq8X1YUAnQXQ44EbiKtOAOY2GLlLDgs2qHQbibWuPHNmBcLJ5IzeG+hodRM/2DivasXK6zMf" +
        "YOtx73agTwsLC5fjrcPCt7+9PGvMm18OdH1wdvaBxV3oQ8CfA9JGA/4eICsLDLxDd2cWN2Q37I3d5EorctyorfvpVfpg7oWF0y6G" +
        "n75QdqDoeGbu/h1TT0dFX5p1H7fdzDl1+2LLzd+dnCoGumalrc88uHxxdJyj8zF7+2slqz5iYRdiNJ8PWiDMFk0hUGpVLAAzW+AU" +
        "lGDqRqurL4lzBSf9Xe6KXltA87B/hWwNd/kgGNlFnm0V4wrZQORryTjj9ybXQczrM7PPC+xIr9MncytC/T4PO3z58uF39k4Tqgvp" +
        "NgsL+viX3+g/7e0rBw44npNz3NEZ+EkD/FnS/Du2jlVYcn3CNRLU2DNLcHC1Jfmb9uzZBAWbeu/yvlhlMbwk7DYWaP0dKtLH2Ad3" +
        "8t7FDS/ft/fkyb37yklsqaMz/Z0+mTGHPnl4n/4i2UYAPtCVSVcAegkF6RSSdFiDHQq4z8U7VZiKWqHa90WC0BusNgV4TJF41EjR" +
        "vmXkZJHKUSvFTqU0o5rujhC7rBoBQDUkZcuBA1u2HDxAD6zbigw/3KJbE7btp3/99Rf9K99ra+K69PR1iVvJueykpOxdG5Oyfe1L" +
        "1h69evXo2hL77ufTah48qEk7j3VL161bCgXJkZRPAn7aM525S7OgtjLGTqSV9dTdGTfSB2Zve+dMAE0NK1n0I23Alncwh1X0CL3n" +
        "nYNHGrXZDfQE0UbtOxtbPLyPbSVf2kPf7Uq2N+qS0a4H+St4jbwyu0uruI2mvqqK+TqvoWxNZvFDgjBlcU+CkKJIFYsjACPWNMWS" +
        "GjRXqOUPMv2bEhvshoXahme8yQsqEK6ebqXpx/G1g/gaYK3B/kItt0+myyyR/dUIhIG+oNy+gvrC1vis3DBDKIHwCq7+OO1/kPY/" +
        "jsOZFOmwiBeDBjmmQZaLWGlg0kbh1s7OJtUCViolLFY4qbLy3GdD/PyGahMXTT6qm3tmfuktL7+Z/V1MFApK8dbs4HW+s9zmDpwV" +
        "4fnmqaFDzu7xTvb17e/WwWbEIEYxieYolwj7wIa8QfAW1oHZxDkblzs3rZwguDg7Mi7k5caWZ+uknYKZlou89AwGk+PtwN4sEci3" +
        "eVVc6paVsWnEYcSu+Ye+/e6j+TnD07YdGDU6lFYXx93x330kOnwBtt6d8DzUbzWt2VFGS9eu3bhpTQKe8ul1HBY3YTI9Sx+QDmn7" +
        "8ze/fyCfek18+/nFiy8meCeK9ra3joSd8klMeWN0CP3kzB76y8LQ8BnvROrmJ65ejd/+9Dgevzo+qSgv4H4cfU6vKkBSS1hxQqVY" +
        "00aKNSzkc5CHkVP0MXGicffI0H9sEudtqhbMxQ5c0YveOJ4mwExcAl98BONMYN2zl1YrWUVNFSeHlm7mgNPx2P27d++np3DvjK1b" +
        "M6gZ4eterF2VeYDWN4gPyCXxZlLK+xtICB0ZGbVk8cHPjyTvs7av3HHxe2Z50ZCNuIAFdIAGizTG6DLY3ca8qWEruITUrTMgWo8t" +
        "MVpXF7Lw1/X0MF2JN+KpG38VAqrnzaUX6He0hl6YO6/KywvvwfNxKN7zFsgO0gjFRmlAFqNXOjlIz54Ypz8F4+xGb9NKOgbGleAs" +
        "Gkp9qE7o37Act8f9cB9sd5Bup2shc8kCfpl2UgCfmTEOG8slrljsSC6IQ8kz/UgWZj0LxbuFRngNwJu2gNdc4vzExcRHLL7MQL0K" +
        "RXejJlh0gwjvJOUGYGhGBfB2LVXDV9DjRB1D7+fRfTQGp+C527AycrE+hT6mv2IrrA4rqMZbD4rxU6fjnTgcR+CdXp7fzvOnX9Fr" +
        "9B/0Kyck8yUMN8oBSzFkNFJyf+ky+eHyZbE7MCbmkKAXvZlMRnicLucOAA9wAPGC5WWGLBoi9ciYLBXG1fPS5St3J47aGAFg6fT3" +
        "p4VZZ41UF8pZAMBiB2aWEtFczIuduI70T1HLSCeT5aKX/i75Whxo1CEbJci8grYvk2/18wAzJAtyv6Ib9LdlOgaULHPUMLy4L16N" +
        "43HfczS+ksZ/IVTrTbhnL3oL3fSIRy9uN+pB2zg/YB8qiSFsSbK+oPXiQhjT0I2//aI3f7uhG4sfbJZqmvMkNiVaKUNykadHunMu" +
        "N6iIuRs3MKaGG3gYXkE30fP0HEsLBW9aSu/R+7QUe+GOuBP2yqfv0lwW4nE+LIiwJCLZbvlUyW6tJLttcj1IRfjewCNOp6nZ2al0" +
        "CL7YwMg00MtCf/HrbUkbtx28W3vzjljAuKXPjNx2ac2tlZzlN/NMWvE8Crd5etNBYymzjIczEa69yvmLr+nNJ4TgA1jH+Jbk0NPN" +
        "Rv4FyDeA+85SjmVnxfZmvaU9pD0LH00ycalvxI28UvPZ+JQVNy7jixjpE8Vkui0zcxs5ZbtlDQ3F8VkBYrJQ/c13qeVksvg4KTFx" +
        "A8wcy1j3gWwuxsghLbDdXpPO9ceNyQHvFf3lvANHlx9ceedbepPWLXyyNu5R1OFTSdlxdy5ju38u+F7IP+c+eO2ywOBuHXrXHK/5" +
        "cUD/q+M8N62JWNWtfd/PPzr/kzOz+BcwN2xXDCsgZ0zlFfwT8XGl+Bj8+UW1IO1XSsBSegKUSrJaeaUB+5L1XVJZVHG2qJLeAnXe" +
        "o7fAMmNgYa7nUvSz6Q36De6FWRrWFMNhHYX4bQohnIwXz1fhGvz9P8QLYJt2/M+SF6KxCCkPGn2AATJYjSnWjP0S5m7oXXa7QpMp" +
        "TOhZ2OA3qPnHrIAvWL6ol/Y6LeOBNJ6Nxgk1OBrH1FB7WPnpbDrre2Jj3Phr9c9InLiBY4Zl0ING6iRrRZxEGnTC1+BcvKtGrK+E" +
        "EdkkRP87RMcLjNZsoNWtKSZiluBjh2g+U+/DXWjw4Ir184Xq7IbIwmx+q3HfNxP2+HK+wbIYh2JcUF9P4WXac33aSzsbsGxcKG1t" +
        "2M5GkQ69F6T9n7V8huEAa7vGjUTSmU+eKKyf/ZCm4NNYxsIVwP5M0rRRdO4U6XaJelGvSwSYFatwCo2RdmaGR7QLb00PSfso4J23" +
        "bviOHkpjWAr5epKsCGE9DAWOxB130nJFCH0PL2NeEQc225ePg/jn1CJ/9cDuwFJT/uHQKvchp28dSojcWVZaOurUpkOVYgMmH2z3" +
        "Pz4t+LTfH/VEGxIXEF1zrKe3mFAYojuz79PP1fEp/foVurjoGb1yoJcPkptJXtiYhQJJLKXz4PZA04Uplbv3wbZtH7Aibh52JO5L" +
        "ZDB8GXdkWFkZ6V9ZV1cJhUwJ0tFT9Bn8ndIFFQBWzM45uDqQp0NLH9QaV+/uxtWbq5u02+fo+fNHfXZPmnhgjgjm3Rcrpu/j3Q71" +
        "7n33ypW7vXsXOjoCR+ZYjYdpGN+Al/cDCpYS32xxktRDpPhl2zJt4/aVlg47sqrSgAyVq46IF0CCggKQgjtO5j5/VBCkw2OxCfyN" +
        "1VEboyBG/PHAtzXqJM2hFCqaUw5QjVKSRsnH60vaXjmx8EJA4NUw+pRewD31d7CylBzYlF1mTub6nb4waFBRrz54CG4DS++b9OYX" +
        "248V5TKbhB0KeQYysPhtA7i6YDlWaNy0bJbJs+LAibg/vVZWXFz0qcJ6p09oYJq+P3ctbdJJaa+4hPryfsCjmbRLbTF3dpakOb55" +
        "YKNi1HLeyu07kJlx4EBG5oFSSl/oDr3zTu6UT44NLVn1lV7/1aqSoaXE4+KNGxcv3LjxkN6hP3fperRPr08/ezcwACIEh3k8LCBQ" +
        "WlNhk8EHGbkHpmXyKnZWKFklH1S6alXmobKyMUdjzpwn+eJskrsn93S+mKSwFnODg54wCc7A2FjAIe8VWIYBGf6ZUrh4/4Y8hfXP" +
        "iBhqqa8EY4Ys5DjZmD/IsPs/8Ry4wFsa8P43n+fodip6/GzkLgdGGfMIFq2Ay/Iy4vRQLCJh9eKFMoW1fgG+Kz4VDxGNeBPGNHMj" +
        "8QJ8KKyfPzLKquwCmu4ODXm/0VLiZtFtZNF7jvt83ceny6Ji0g6WRS1PPVhWNqo4duVHXPKqZf+8wxSxN4cpguTu2/XZfjGJ9y+a" +
        "H7CqSadA5xWd2vwbnQIKplLZbmMkm7B7+USxxSlNdMahjzLTDx1Kr8dq+rj+N/oEq7hbdZcu1T24eOHnHHqRPqK/gikPBYu1xkNY" +
        "nABbywe8kr85NbFkDBCtAkd0WVlzfCBDGqNGgVikaFPYIkLgh43u1sqWO79m12V0a7br0uD+jR5Mopv9elhpaVMcEotaOHVQ4fM/" +
        "Zc1y4wE/y/HlMNSsVjtufLe3++R8AHyXb7Dq15k7plZVnhZLQKkhgYIAoyMhil2A0a/JJNhB7MuZBNshcimTCvySkwMyRn1x4K/v" +
        "/CoWhZzXrXs/+KPRH+348auQY/yooh49pk0b/baDea+dyTnHNZrTbm6z3png42ThmLku91BXoOoOivldyJWtgYUGa9vhLFA4u7EQ" +
        "ocLLcRzdMCH600+r9yUlCbn0bJqYlzwpe88/iH8aHsm0WgTWMFOyJ2uwaVWLJMO4muAiZlGHS0vfPBJz5iL+GpeTg6Juz57T+SSu" +
        "Ie9QSGA9VyCv/RAN/aXdupw4eFTguXhuBZ39gvfXT+MONeQx+/WFPNsN4KQcoxNm/1hjhjW+pffv1dy/V0pra377vQZGZHELWWnI" +
        "47L0C9nI4UAhFkaasfMFjbTAAiE+iIbhwhpaTstr8FEaVYN74p68v3hLPINLqRcZT2zpEszWVQ+wH8YhxAjBHMsRYhSWshySPilj" +
        "Vfoi72laBzpcZjv04spsr43T+En6DG4RjJ4J1lELo1vlG0u4haI3OaZfTY6Jwbx/gb42vYBzQhgjWsLbQZyABExg0+GBG08EoTZ4" +
        "uDGWS/vfLsyUebuRzz9ctNnDIy3sw+cjx6b6vhsR6eebenpLxs0n25emRWfW30xPm5n6bPfmDp025zxLnQk0eNoFFym6NJ1zFxUq" +
        "ujxj2dNL9I1E3fvhJi5sGdFmLnrDAM/3p/tFRvpNf99z1PMPFm0eOXLzog+ejzrtm/YsZ3OnDpt3P9s8Iy39Zn1mdNrS7U9uZrBs" +
        "B1cJtdxAaVcgLdUuzuyvKeuws2V/QF2oXXBUF7HNTFBa7Jo781AAa6W3EUzMd831/ZAbWDJ57HCecMLIiVNLJo8bIVW9wTIruBjO" +
        "Q9p3dHzly4ddo1+BJxHkExHh4xMROXn0st79+pVtTDpWKkRG+kwOD588eXHCwH59o8asP3EsaaN05tV8hm7R+hSdTWmLk3SxSjqP" +
        "4unqQroaJxbixIaDbC9eBFZ0D+zA/iVvaZGyOLvId1VR6XtJGZmlGidT+84939aMm2LhujUgJK0X9VW0Eb22ZhQUkFT9vhFDzdpm" +
        "2NlO8pk8edIk8Vt29k68cBHnKa8y0tk750lhVjugUUIOf072AKUpdjHF7qZYyKHu+NJy6kbdluGLdMgyXIkreW9ou8fiSuoWiy/h" +
        "yljqhivlrKiO/4mPRe1QL5CfTZcSNMvmyR1ckWNTJhkGTKVCqWBPlaX7YK09N6lP35KNHhMneMdu9MoPzL/Sw1TT035mxNxpPVX9" +
        "5vZJexgVE596HrsT07pfI947fmNBWDWuw07i3tqBPQfkTOs1M3JGzx27YbFwfi+b8fE56HGTwgGZN64Wlg72KkslD8/unK0W6oKb" +
        "vWqQxl6FY8twIS45hNvTrtdnRZ7D9nQADvuFNoyjKgUHEsfTx0F+9J/UGY8/DBlIR9tCPLqWXmQxw97o8+bQsJK3FFh2Abzgnyw4" +
        "DS+l3/eZN9DzHFcsenNBDXmQShRyY9fkNmaQMdIXBJayg6psrAXQD7ApK2aQ+2B3ZzdLB1c7rGjUIhgo8wLuUcgTEZtcjdmcnFz/" +
        "5L3kZLcJObjs5grafqy773RfWFnf1a0ZLag8Y2YPcFqcRB/Sv9hnEWz15YHRjpNTsaUn7dHl7SVfVkZFPzh9wX++mQKk2QBrzEV+" +
        "FXJl3LiA7bvL39Wcm6dRmrumGQWDNE4i+0iYsnjEiKglX3gXBuh83nlr+TjPsW8u3ZWR7DVp2vTtc6ZPf8tv2nSfxwkJ75HZ7d8Y" +
        "PSd18qT27T/o0q5dv36jPfv22aEdMtNvyBC1ldNHnc3N33338KJtwFEYncKx/JSdN4FmbKyB2iA3W3dJCxp7zhKDa9mwFODy+snT" +
        "xvvsH9fL3r7bMHEfJsPFR1yI2CceT5i8ItpnxgRvoY/Gya1PL6LFj/CssjKaQV3oArYuwxyyjMfmlYxnMJPfrkXOM8sv5kxgIMlv" +
        "KOG9mrMeV9flK8CXlhh+5mMUjtIpngP7wqyWdWRFZPVx2LXF3ILRc0fERItxvplZU9827TzYN33nO6OtsEd9Mlz1v21KTt5EztPq" +
        "+Jzd74GDdQ7KzVlD9eTY9Sr6Hk25Xl19HcfgZVXXmRUeBGOKACtkXx1V1k0O5sbhwO6Oi2ZFHpsyBcOS1XtrvwE5/gHXyWUY8xms" +
        "dhvk1a4pO1WqNJ+dxnd/pG9hepsGJJ/m/Wl/fI36iZ5kTAIdhRrXYZiRdk17UBdm8Ha2ZCURKuh5uqYCPxzfP8w/5o4Q/GIXN0L/" +
        "Be96fk0u4SAba4xulgoUwNYRNB6wtQcubKSzAwwKdx8M5q0daJxsJc6jheexw4ogb56077ywfFy/XpuOxLEFf9WhhMVuQcsTZ62K" +
        "mvTFxz8tla2Fx8Cb8+utRWXp5Ag+pQGLsVdZCzaOVmryfSuz2Yon0gc3rnI2YgqxFM8T/Ir14E9wn5mOmD83BSzo5memhbaQTP4G" +
        "khmzXrUC+ciSGWr4HSCZnfFEoGX8dpN+oqAZzw9MHehu0UepGe+0YjYNPJXG+5eKPl6jBLyhXdvEYpKjn8kVtMh8VdJaKFll47aY" +
        "GazQMvW19tg+/HjTzpjr3Zj7cjtC/DTNW2OxiPu67mZT9gu7ZPA0tktmK3rjkbZdi+3yy+okBfSPxk2yt7x3/jjRp0mXXZq2yhrj" +
        "Btq7tSIb4983kt2yD2xSWGmKcKAzW5sWzkKid0zxZTsG38nZJPCrcKOPLOG+iog+zTYNJ1ZGbCvNuUl/leMcttmVIH2BBgsLBxoq" +
        "ZhONjsEWZJbMkvtG96CzeVM640vZPdSlpeJddqqTabjD94KxnY1+JUW8VvbpIrvZFFf3sKwFwy1MuoKJevbttTaHHg0OkHwuafS4" +
        "q8tOhqxdnugXF50tnvwJr1h2DjyQoMUwq9f4UNgf9mTS26hcZc26NIYJmFuj8FKYlWKuypLzeGPevOm+noPfj09OTqg8cWHjpk0h" +
        "B8cM8/WduJir3CpOCZ1z6+rid3evT6U19Le9O2gE3rqTKaTrtvDO++0mRZ++HD2ffIz7STkvnQ6xT8esVODYeZLky7wdW8usmLpc" +
        "HMmNTHqlBpccH5g90BOTNzKwtoZOklqwecfx4lWuPf4WHFz5AU0gA/QPaE/WYNhlCf3Z+YXA1hOWxkACAA9Qo9QCD1dpyLi6sMTy" +
        "6eNXnUh8c3p54rIbJzo46Zb/QZLFNSe8x5hz1fo+5mOmfUwSxBX6iEANjUDyyarCBXB3ZPaqGmSlJTaWWleVlt0GcVq1Daz3HCHO" +
        "VLfrfNoPlYWVP6Sd30V1tN6hZxcy5SEeTT+vp5NJR/E+PlLPWrApx71ptfyrhZ+5HBLb9KsFboj+IondIvcoW/YohzyTejgEm3Sl" +
        "tfR7BiWLqew7YWPhsq5fJx9WV784XF1NpYtlt6SvUEu+bcQkfXok37IMsFjUcz7KbdKvMDRullZqKy3iiApHV+SVH8yjer94Uf8L" +
        "tx3fIQMwJ/5BN4qP9b/K43C0Mrnx7KC4okKZ/Ge0/KsUa8CYLGG0YQg1BBC64ej49Mq8q1vylMm/6A/QGdSaBuNx+DFx5lx/QS9x" +
        "4mbJEaxVW6lVNiQ13o/q8w6W5zFGrIgaxxJzKopXaVf9gl8QJqnSuGTEyyvqAM5HYsU09SVetDaAlNMwpCS1Im/L1bzK9HjGzBWx" +
        "lqrpSbwLluoPuXebeQln31ewhqXVoA+SRzWi3nRJxX8kvdCYj+NofFP0Vyb/NanCNOZl3FKuTlKphoB0JkUVf7KzW6NEK+VfpYDF" +
        "pgL6lX+ua8K+UhqrZYOhT/THN6E7G/gi+8VfhJmAu53EN8uogAUW6rg55ZGx5diK1gWPHSr+ooy5tTW3OGTGTvZLA6A2R7kRtYcx" +
        "EGg6wEBLF2cnFzetvfvgDkAGogPJGNYruDxiAm3w8MDcxIjy4B7kjL1HOn1TfEDa4hPz3uDxyXGB+ChpKz6gXjtGMF6oNfCysSlP" +
        "kFhhfsnNGTo2GHegv5bGRSo3PsvI9g0pzk27rQxCkgRPgZv3JdnZIeyc8nLxqekOic9foEeWTcWWWBCfLRQqsh/w0TpsVR4bCaKt" +
        "3jkD8G299SxFxqeXuGgvZ5mSPHa2DlobJa9USLJCarRoRA+QbiLmPDxowwSQrhc54zBiBy4l7cWndGLguJOYf2MefVt8StrjT9M9" +
        "GDcwE3OM0kmhRWIHAg3ZXx4ZV0p/xR1A0yBezu000LRvNjuTR5ncNNQbhaK2Uqv5MmHWK122sJMJQSUY4Ul4No7Fmfgkvo5/wr9h" +
        "kZiR4WQKWUdOk1rOjBvPzeEOcHe5p3wbvhvvynvC3uCpYCm8JSwX9ggnhC8VnKKToodipGKWYoEiSbFHUaX4U6lVBin3Ko8pv1E+" +
        "NDEz6WXyhslMk4UmsSYpJntNikxOm/xp6mw6xXSd6THT622s2ri1eatNQJtVbZLbfNrmB7M2ZsPMFpolm31hdq+tadsubYe19Wsb" +
        "23ZL27Ntr7Yj7VzbzWm3ut3H7U62u2nuYD7NPNr8pAVvMdjCz2K7xRGLKxaPLJ5adrKcZamzTLIss/xD5aR6UxWlOqa6q1apR6m9" +
        "1bPUS9Rr1NnqD9QV6lvqX61MrTpYOVu5W3lZTbcKtoq3+sjqvFWV1WPrjtaDJO2RuaVtxn20bp7FiH+ibiaS8n4ckDOj8fnXN3pv" +
        "81mmNyTtElm5/BUUQsAsODfsxhWhc4pjKFewQ4XKbLRE4YESiBad47qhYij5MCEe0F8D8LnkLgqCZy0pgfhvh5Kg3IaSBSUHShAU" +
        "hicNSgGUFCgJAFsPJZfhaCz8KJQOnCYJschSWI0uCVkoWtETnuboEp+NLim00ObRJTKbFUOWMArex8D7OoDRw9MbRfNV8lNIg3fW" +
        "KIm/a3gh1KIShlP5MxorxCEPeKeH52wmC+MZnhck+sjwCOQq5OtQHIwt50PQEngu4R+hJeQa6s/qghqVk6HoDBlqqOX3yXVlJSpn" +
        "7/l7Enw5g+PGQ7s3iuQ0yB36ivhToK8U5AvP4azOa9FMwQ4jUoJ59pTpowr2BP0UMX0qjuEOgifg7IQ+hzH2DD8/FW3g/VBYIz3y" +
        "CTrIn0CfMZxsHL8CjeeXoTAJ9hoaL8lRIvHN2kH8XpQpvIUW83vQcPZUHAUdIRRkIpdHRj6KWxeS+uq75vcKRPajArJfviN2QoiU" +
        "4RTyY3P61zcv3jGf9ZI/I5SGMG+Ot7BILWiFneyLr/zkvgUbVIP5mik4zoQnhF+LUCKMGN041CdkXBC07LurFdbUGmcrw/Fdf4QN" +
        "twxGAGbNEB8RO7nH0pNH/tLTEt7waA06gj5BJ9C33CV7a3vn7mqDQfqlc7Hx7RF7K/mt4bah2HDYcMiQqj/2Y9iPfj9EviJH46VE" +
        "fowabwqSDJDoszpGttCS6wSZYE9jnWvxnm9RF1B7PMlYVyBrHILeRJFoMYpFUWgBmg+RcSnw2QMFQpZqj1zRAPjTQi0AIOzRGIBZ" +
        "iqKhRKFgpEPhqA+8fRtFAHw/qL2BFsGfPZrShCtaagXDMxjGLIN7EEC2+Q+oDm6iOg0oLQNaC2FMBEAzPnQw5r+jOBZqC2GcL4oB" +
        "iECA1UnYgqUROkkie8ASAffFABMAeBcAnD2MjwTqOqnvZTxTJSzRwFEk/IXBW0Y1GmAjJUyuQFuL3FuNahzDyRNr+I79Fv61F2GR" +
        "E2xHtrK2TW9hcUIJ0jtW2gCNEYiM9fSehswX6ZZGwForrWaS1TXWJOiw4KgI+UxXKrxkyZhRadOVQbaZ2+Yb5MC+Ohh5qzKcMFYn" +
        "gFxD4Y4MY6FsAqvNNrR7LdfOTaMvSfcbEp4b8Bwqt4zvbkh3HZTVhi1yTX4LfyeacDTDA024x7Qk1RJbU+sMG80w/n2XjPl/Dm/k" +
        "8L/gjZ4w6JjGX8bTmoIMIeM1hEn3E8bnlpYQ/1d+m/Wd/b+nlX/Pwd+F0dCzyS6adG3Ujo5ZpWQhJ5rmo4XMjfWmZ1gTV/1f5Zfe" +
        "By/oxnRL61+nlcZ605PNwlDwnRv/ykJkf/gPJa2iZ9iIfw0DJb+FlqskCzph9MCWnAz9W73mMNA4I3ntS1YlaXWL1LNa5qeRQ2N/" +
        "/kvPLa9Gl/8hb2MN7WDmWPTZ9K+smh6mwAOVtXdGepNPqyhwTi+xXihn/m5/MWyizwyzWs/p68YaI6aucU4b681RUrL1wwYbiJ3/" +
        "1qJkerI2jNg2tbQao21mt5zDViNfx2H+v6HZjp3RSLPwkp++FAXvS/f6Fp5n9DeDzf9OPPq71w6w9rDmKPv/jOXGfyelcdSJVyO9" +
        "4czLkf9vu5z/nnmQOYRYOPY/wyflGFXNmmLtFr1yLnIJ4v/fmBkAb1v+/1iU4czLmnoZht5o9tD/4cV+r2/Ovnqi7sgJ8kUXyNMF" +
        "1Bv1hcxxABqOzJAnegvZIW/464AmIx/UEbLcqagzmgG5bRcY0R1WFtiKSrsj2JDB3kMpnQuYst9LwWUG2W07oGABOygVUku/H7FB" +
        "tq/lxo6dJRmvDtK9Iztzhquz8W0X1BV1g+wbA8aJEt3XX1yrFt+KLxMpszZBJkb+TIBDk1d4bHnZSKdHjLsOwFEzTx0lfhjfjCcH" +
        "0IUGOYIenZvy920oA1lL+ftKXZQuAK3XRYVHoPUBUboFaH2gLiIa7qHBUXCPjVqE1s8PjoT6/KjgMLQ+VBcBMKHBAfAmTBehQ+sX" +
        "6SLt2R32AevDdUtD0fqIMPYmcr4uHK2PiokAyKUhEfPhHsrwt9grNF8yXz+iBzCXI9oi5U3JDNaBkmCfK1QbFebfWp2NbRxqrE//" +
        "96aFwarIsv/ABv1kWGmv1FhvgaPVe78W7ajmOhmCUEMa1Ec0De0B89MP5pzAfnMu2oiK0DdYjQfgRfg90IFSss8RaCSajeZAP7Ok" +
        "rmh001khB9oDHOxYGSUCrh7Smfc69utI06zGvZcEl9QEt7EJbsNr4N5rgktugtskwS1pBZcqwYXA/X0Jbg3ApbwCJ6AtEhzTwVYJ" +
        "jp3jpkm191q92yyNTWwxloDEMFYy/zms10TeMTZizngN5vTXYN72GszMG3oIzCu7sl6BtMBMpHOYHnwP6UQG7lDD/wdinftAID8A" +
        "AA==";

    public const string SansBoldGzipBase64 =
        "H4sICAd4BGsCA2dzLXNhbnMtYm9sZC50dGYAtXsJXFXV1vhe+wwMInAZJQe4Mok8FEHAWUMCnNDMARQRkEmQQQYVAXEqRyQzTckp" +
        "IkNzJJ6VoTlVWvmsZ2SIQ2Q+LXHIzxSBu+9/7XPuRTB733vf7/c/h33OPufstfbaa17nXAgQQizJYiKQ2LCQl0KJhiwlxCcX7zqE" +
        "TRj/ir2lbQVeryXE5B9hr0wO9qwYfoqQgGh8vmn8K3390m/kLCOkdyFeT5mVHpflOSS0CK+/x+vc5LicLGKCO/FJwWuL5Dn5Sfds" +
        "f76E/UZCPMSUxLgEj9qfFxDSqwveC0zBG5YHTP4H4SPx2i0lPXfBYTbiMT6fQAg1nZM5Ky6paEYCIZ7WhICcHrcgi5wUvkZc93G8" +
        "S0ZceuLfLF7MJsQ7HJ+zrMycXH09mYbzh/PnhIIz4lkh1RKJmOEIrUbQChqtRgvOkOLPmD+ksM1Sre4Ui4Fy3TdsK6HklLBHSEEI" +
        "ga8DNK7KLqTc+foODqyl3rwhUrKGENlLOka6EpwDBK2tv6C11yrN1VZpAVqlAd4USmPBNO5KHNizwy9BN3Yw9kosa4q9Fst+hfBQ" +
        "dgMmxsIE1hQKptIxVgxLWHEtu3uRLYFi3i6CTS0s0e1hd5GqneyCJMt2xJX0Jv1wZlehD3hqeoCjxrMPBPQPHA7+9nhlz+869gB7" +
        "O9lE0Fji2cFWMwwHeAhdy6Hot8yc2/nae2f/uA7lCWcS8c+FnXv4uDxscsT9qVMnsAvgI/XxAnnwcBGC5N7Vuz88a3bzumnPrqx3" +
        "X4k1yL0+/ejjzy2FYJDElwIGj2SH2G8QHBwykiCng/XXTU5J90kn4ojc8ST+SGVPGQnw9wvE+T39HJAo154eSCy4gr+23bVju3Gy" +
        "f1jEuPDwsePCjvzww5EjFy/q3K8I711tKTlSW3uEt/CIiPDwcRE0pSA7p6AgJ7ug8sejR+vrj9bUtV6QO9cdPXrp0tGjdZWF2TlF" +
        "RTnZhSizAv11uQIp8yC+hJjBMAjSytQEtJ6W4OpCcP4ghYX+fg6Omj7gqhAjKLxDkoIEZ9gSECRBkFXmLHBnkfGzby1lT9inpeW9" +
        "e7EL0z9Pi6mcMG5yv7deDN4zf2Sun3CNDQvdn3GY/ZLGjqWHhoB9/RsNqQGpg9493b07+823z+DAnlPZhb7zw3LKvbwIcM2Dg4rm" +
        "KXoHBw0ah5fkIHsgiLIN6cy12IMG9LfhpNvb2Qgiu7jljQ2bwWvx4mL24DEgB+DEH3fY4CtX2CCErGAPaJMKaRtoE9CfemodbOzt" +
        "qEnFYtzAa/OGN7awB3fhiytX4PM7f7Dh9fVs5GM+pxcdKMrILQ1edAYTd6RJ8vSBIEnjr3EXZXYYRo9lH+5hVWMhQjnsgXHiiX37" +
        "Sz5mlRD5ccn+fSWHIZJVHkZcdagY9ZKIOoFrQxtBXGgbGuE7aq57dFf3iJpLou5ho+4htWikFnz2dHaFDoRlqE/EFge62n4HKY9r" +
        "E2AZO8/WQB6OyIQaep1e4/zCEdpMmqtbS6+xKxz6OzRRDm149h03dAQt4s+IPpg2GvjsD67U8qru9ytS7ZN01JB4/XWpr0F3CVh7" +
        "oA5orLn0wZpoXYhGOQr7ZxcWpqYWFqSipR5nl1gdOw4jwBM8YARthC43brBb7MatW9CFlbB02AA5kAsbWDrOfRP5IOLc5gpdksZd" +
        "y93RfZjE3oXpkAGTWhrBXPg8HOTwlgD2CCHKCRGvIUVdFP+l1YBixEiXCZqzv4vIDZxG0PUtp6h2VGhJ3rQfFi5lC8ECvBZ9BV3R" +
        "tXSFhuBFIbMXjxsL4d4+jRcWXjjEubBKf128i3h74QV3E6K2pwf3I6rxeUOA2ukwkXDkrW1sLzuSc3PunNrkLe++/25Z+fp1qxfN" +
        "OBaT/dMcNGbtasHd88TGqzfd3cErMCh1VtLspukzpsT09oIXXFw+O77sfeQxxhLJH3lAuU6acfeICuXK+aChD9g02DUC9tbWsjd1" +
        "qeJmXamwv3Ui+5XdB2sYzenejhKiCN1dlaw9p43Y25EO5HOq64Sjunl/i/IFDfiyv7NLxU8KFtbHrX3nnbWv1MyRatmNmxad2b2H" +
        "D9jdfn7QNzR0Vd68ld4+SFUxzuAq3UUdcOvouUB1CiY4pZ8ypaoQfg70RiJuSYmJMG9m5YS9x62Dy6bfACf2BWtiV9gJyIOXkk/S" +
        "hmWGjZ5jjT7en9X068ce1t1n12AVzIZseN9FkQvK+y6uT+brswctaFeJibojbBX11PWTautaRPEIQd0tQiptFE11JX070unOvZib" +
        "VtUNVbYubujXbI0DcBH07Jzc3Dlp2dmscOVqeAGZZAUvrFm5+W1U5qtI9MW3H8yKnhYfPy16Ft06LyMjLy8jM6/Ya0/x0S8+P1a8" +
        "x6v30devXr9+9fWjMDkqNjYqamYsci4VabJEznXhnAtSpRGEvrUn+lYjt3p6gJEGJPhcdOXEvcc1IWXTbrCbMBBMwA1GsNXsyOzj" +
        "UJyYhCxNStKCnTdyy88POl36HXqyeWwzW8einOndZcuWLl++dNkyHo9v4CFCjFXjtq1iVhrtDZjN3uJNjGVFbBe3f0qWoGfhI5Wc" +
        "QPUthrFN6F84gMHHiJYIwH3XUKle/JJLxIzaQwBI9a1DhNPNTKLCOVbNDjfD+UY4j5jrwFOqF+qNNNgre51E+dBmJtTfvnynIz7b" +
        "AOAIlSHC58K5ZtavkfVr5ppOSQlqgjNKuDvRcttXYnsH4/fjArYCDFAS0k8/Z28Fp44YGBA75eWapPwzMx4CiYgZEdJb5QA09ZtY" +
        "HD+of3Sf0PEjg2FQ715ffhb/dtTAYWN8TmDig/OtYFtNMqWdqFHjcL52ugJchB6GwBjgr6YRnh5unA4lCDk6iFzSjrLo2tPNUw1P" +
        "gW5IH09AUOauwvDZ06JS06ZFzoayHq9G7b344wdRr/b4rnDdoMEz2fVdud9Pe/O9tMQEEDYsao1KK2J1mz9hHy9e/NrKRYtgfPVP" +
        "kFEwZhw7wi560q4F60oX5peUsGlh45+cOdM8IWyZbozt2W0JB0YtXD50cDw7+/eNrCUhPjlmQnlc8rKiIhh1FANVUeHKD96Jv7GI" +
        "/c6+52tF/yt7opWZ8B53QaDsghiq2zWTFVEv+Jp6sSJdJWz5BqzZfam22Zu604nc8mrQf61CWFOMjNxkDQ5TY2vsqP7UCwOd6jVt" +
        "psfETK/9OTcvN+9nGl64kl1mP+iW0GAIAsckYcOEiHEvs9O6nPhZcXEsnzq5nSz58XuptuZ8+hbUliS0qWjUAidC3JU0RXU5aoLC" +
        "mc85L0Wn/quIrWFjoRryiv6VmvZtzj8aG/+R823axKAB8A4kQhK8MyCIfT0qhDXdusmaQkZxLuBK5IHKSni00xgEDki2o5ojyLgK" +
        "OnR145OmO7o/YBNMgnHzZyclzV7ADuKeKla1zv3t2tVb4BqXm8ia3t/NHifmxnEvhpjFBsTc6akt8r1GtNJl02TdFlrRUo8++Ar7" +
        "DdseNWZzmK8Rxqw9TBsEKzaO160gBr40K9ZB3FHvDHwRO/KFhxWp+XX21XsKc2pg6UbQ5Bc9LvzXk/tXhiR73aaRmaGhCoNmw3bO" +
        "oLBQpr93hzEra+gJVKVKevSclcASOoAn6roznDLdl3Qgaki+ShvC0KFqhmGrjuVjmnkmpy9hScozFR83DoXvfMx37FzEkAUFOLIG" +
        "I14juL621IBNntuWM4AWQyaoBHjDZ7p+ghProduvEHGNanVDW+/SsbrqdjKQjJRzEIXvLRFtHDfh8rfgI8zU9MJVwf0binoK/Mre" +
        "ZJUPWSXbINW2NgjOzd5iSGu94N5SQ9pxRpEXKGUVB91PnSGdTdQ1KFBEJAhFWgnXN5SZnNSWXRmkxHNSwZha4VFIOnjy5MFDJ08e" +
        "ghTYzDBxY1tYMmwR61hr423WCuLtRhDBkSWwjWwTS4CtkAppsFXVZ8UyzYktp4lbn4j81bapdg0thu7QD937dcbrrNqshQuzkHG/" +
        "3dbpmsVjbGZ6QsIchVJWq1BqhRUMkVzbyLPj5YJCuYOB8tIerJQlwRZIRiI2XvwKfNh6dv3gyWPVuISusBnmcOJwGetb2ZvR7KAs" +
        "4jLu69VVGGyQKDbY7akvcaJaTVv8dsRyEpWaXsufPTu/nBXTsZhq2pa+Pr5oxHcs6XDQ3Bhh+LTkpEi2hD3SoQF98cObx3xsipew" +
        "SMjJmsgltQFtxQdX48mt3FjYOBvTPjdPjeK/cea+oKYOfqL4dcFvKauXR+VVPPknq2cX1rGfS0uhU+Gi16av3PjTeXABywIQpV3s" +
        "dNCAsROGjOyi9fum5vHvgQHw0thxkyJCx/bQ+v6z6tp9dz4/aq6UqnjbNhsyl2KZhhUza27VLRFilaJRSOcpHKdRxqkRSKM1sB61" +
        "N3/V6ny0k5MYCj5lJ1G7lnyyY8cnQnHrEnaKfQWBMNQwm+LbZYNWg9YclsFaWAPLdBdZAKp/lRiBxggEh5tuaKf/ymA8DIW5QIFg" +
        "3k7wnMF2shAMHA9ZCMKeEofyhkqd2bIecSBPZaras4pB/RNaqcwy2buYdKRjzxLegDAIhTdps04GxihtpvXMGRrQIzQid64pGkAE" +
        "g3Fr7OA9tMBJsEv3pWLZjdSudaduDeV1D8+f5xrtzp5bbQBoc8SbrdeEAc23BW0rGuWvrUHsyq/CWWPt2F22M+YkvPw6SNMx3XLS" +
        "bZDtGpp3NjxTFUlYFlFL3YMr1OqYvOEJr1vWKFWkggN44YaNNuk2YI57E1E9aJBicSXkvFAp3VA5bwau+AdCLbX+nSWx5AcUJa27" +
        "gNZxgfoo87HuImH1ShVmrw3gLoLVHzuGT2LEu3SDnMSfcBSQDy+cZqVyElsJC7htRmLl8rlYgHJ2b5f3DgV3pMqQqbhp/TvULrQ8" +
        "a+70lxNX80QovHrJ/jrMdnteeG1dzheTc27lQl+sb5vGjg4Ztz7da4Vuya6kGV+Xf/5xt8nj+/QBTbfu9/ise1E3Y5ADnbidurdL" +
        "YQWlHEAlxZk9OXsFkpOfn5NTUFAwujrvPJizR+fzqkezMki6WblzZ+XuHTt209r4GewjpsP9oxnx5YgW183XFYDrcmpvpUoUaxf3" +
        "xYBRG8Zvev/9TZPeGjFp31SMGXvQUfeN/EAcyi77+R7Ytu2AXz9W7+yMyYU97kHOvOLieTlOYq34GG5+CqM4SkzphPaL2cUr5dFV" +
        "eefZIzA/n/thOV9Ldn6+UEMjnzSWz4qGUSDgPmpG61m+Gt5UmUjmSLsd95coTzX1f0q4C5FUeUjmrZ923rp27p2iYrT+b9kBGIOB" +
        "1hSGstfnx6Ystab+SYsWjQxhjb79MDF2BBsYxE5uSCrKy1BtTSjBddjyORBbd1C9CYZQnp0KJV+MHQJ+7B+srKrqmx9ku9tBIRF6" +
        "0rpTiMVU+KMDnBMsVLIU85EPvdR8SilNlLxWq1YnxiJSaFdQCbuQI+fYQ7A4l1c1Gjn0AauZfXpWTPX0gxWNmYULcrIKC4/FR8PI" +
        "5hZ4MXrWrlYNe8Cuu2jBMTCgrEKQKzaV7ajYuKmCS3kv2pcNrkHJuLQBGsykVVkrK+G65CDZsM2dre3D+2Qt5lrz8uGMk2fpHt2U" +
        "TNiyIeMFV899W3R1sp2uMn7GXUUz8cAxdqh89kISh2VlYmzLTtmOXcZB+hoWqozshHFN8bCyoc43QPx47tCwpLEGqOqGO7ejV8gE" +
        "QVWq8xGyYw6CIBh9d+qwnmIRbAwrk+1aD8HbqNblcIH5qHAG2hTKFKpkuyeNnBN7MPuoRp3hVqys215hgNFwtRpVKTWGKh91/0jI" +
        "p1knvmKbAUIjkjIp2zxiYnIWXqYEf5CcWyXsSkm/e103hYZ37vbC/LTKHbpLNPxI2u5tujoxtmJmbJaR+zjnc7lv/79w/+31Ru4j" +
        "Ps58Ve89EZ8ho2mnMu0yGnpiflHR/LzCwjzk2ksYuq5hif0JhAkFH7zzzge8AWFnWCPuZ2AA2OE+gMuVTZFiELdite5tBBpcjW27" +
        "yagNp7Sdt6ngL0TRcst11bJ5RTtfIwRx96MYrWINUxRrUHxae+pt27kHbhlaegR9QDZizG/zDaolbBbmG92AzrvNO4ShETx5pPJb" +
        "aMQ18HeIzzLaUWjsO6Pv6o2c9pc+LLLp3Uvo62B/6D1dqxj7cUaiICF8KvrEeIR/JnMRHZ59YaVmLrxCFR1zfpiZNGtM3HCwPcaa" +
        "WHPmnaK0htzZqaPSh987/rB11iV0lfd9ff0DvPt0MnPd+cGH1a6uYN2//6CBvn07m/Yof69qbw+un+jJhAppu+JtFKOycxiMHYwv" +
        "3OFoqD/MZaXDoj9m574/VFUlbWcn9YS5RwTpyaHvoR5Th2Ecy07UEFmM5V7dFldux1NHR5XqNkfssRNSqKXGIQx1jlvIy39PP/k1" +
        "VNO9WdPZnT4r5nd19di7hXq17CznWgf8i4PkhDifZjjOaImO4ADJLIzNF2NbmwW5ZSeODEcb644jlQynK/A/0HYCbThE1xwFb2zR" +
        "rI7lH61h+QjVKog6kba27BRoKzPMY47Qam7TVTF7BIYv2RwouHELCvBcyV5tfcJepUOpK6uGsbpruhMQz7YjtBP6WhuEtjJSaQmq" +
        "uxkOTkiuD3IoiXmFHX37fNb0VxxxHp0pbWoJ/HTj7UFjnNU8RwxF+A55Tp7wna6KRrQ60Ajd12Jss65MT5ppEnIabahKrEJf44ZU" +
        "Y3TwGArG95jYCxxsiBhKSt2dv94Qq+ounZmzbujQdXPOXKp7qWTytIzMqMkl6Q0HTxzflHctd9O5Ewcapq7btW2dU9d1W3eVTsU5" +
        "RNYdbsrd297R37wud2/imdsz8xsmDeoDbVQ48EmfUuGNAKFrJ0/LzJw2eW1oe0rSp5bu2rquq9O6bbvWTW04cOLcptxreZuOnzjI" +
        "3x1BlVQvTORVL9hz1fH04Dt3mAHcqBwd+I6zS/WpH8amlVqamli9HRO5Nz6tCq+sTPjVlN3CxIcTXhokC4I8dNwrbd0x6BGqhARh" +
        "rMRQ4t3/9NXG8DXJ+DKIkvCEWaPCExLDghf69u3Xz8e3MKTksxNSdEJ4ePyssPCEcv++vgtCRub7+Pp/VlJygr8fa/sKYNXxOwDw" +
        "z2ZPvwXoHinvzES2vZFth/hGiG/5jev9fjZJKkeNcFFs6WmBoKZJCj88PNWjZj/MTkhKToAUraeN1jZghk/UXNe+K6JGp/Rgk2QL" +
        "XV7u3Lm5dI3ONmyAuUWzo8OYV8aP7+vLbPi3AyrTgcKqDt8OhFXKtwNMW72karFesQhqYgaeZhBkBlI1i4CqSoyBEZVQpRygSvTH" +
        "6wmVcFA5KI+hinvdWfpfJC+xUH1LCkFawVFVC09Ou6cH1VgHBboHCnip8N/RIUg46QaBJ7p2D5mYtONlG8l35pOmurmlYHPTrUe3" +
        "5SMzE0ZH+AoP5+g+2/JewyRb86HjKUVv6AkeC8oEQffdu5th34GD2yndQgxRZabsS+z5NzAwZn4GXvbHSQMCASlAZVJUyd7ORDZR" +
        "zhQp1AgDho+fnh5RkLM4ft6Ig+/qSlZnXx03zuJczoSgkQlvRr/e3NDwuvDN1GGTc3bvYBE7dq/0Kp3sLf7i1LxfWgBOpfNHAnVZ" +
        "Elkd/UqSaa9JS76qYk8+U95VOCNVk1GyNkiTrVoCAeq1YjiODjSwXPFtgayM1fXsEege8m7I5mDBmk0QSMtONgX20PuR1t1vj3bh" +
        "K4xCj9tLdiMvEC/E5qHtaW/HV2IIx/2DAoM8Aqy1Lo4gm7TTbw9x+UJ2Ys+vt9buYR+zn1kDO1zhP+JNag1mpbpbAb2Dl2XPXb5u" +
        "Vh/xfmj8DFfXrBVYEf7OvoSBYPvtO34u43dASKjuDYcBU7dtO/jhpo1vdZK498/QXxceYPziX2pxjgCcXTFSex7L+PQG2atdfz8k" +
        "zh7JclXe10PinKABubm3pkZNmz5kz+CZQQMG+uUVzlsybGTwi7njJseETYueEc1a2P1FNNpp+Ii4t8LCLSy63Ovq4urW+289e/zk" +
        "7jlkUC9POwe31m6Wlvv3Zb3OKYpiU8TJ6KW6GL77yK4Bav7vorFW0mki2AkeRVUH3g/1HTxYN40W6LYIF3VFWA+LNdu3HWgY7OER" +
        "DE3wEwwBggGvjpndVfJalODTzMoJ/uPMqmUvdfpzaoXWF6n/VZEjf8/KvZGij8ggQXF4qJa27XIsOG8SOD0yKjrQBCz6jU1OGePX" +
        "6T6Mx/r0GvsE92vgRMu+mbQeYMPUs0AqYt54I+4dupqNZetxnwq7IRP3aiVe19EzqInWhnfgKA/Vy6KjoXK/gQNchn0/8sWUbpYY" +
        "wlIXjxBrnGydp3tHCvMN2eVQNV6qGYOaKKvpGcTDOjYRfmVTMffbzyaKsewzeJHl6bzhF/VdhHgB5cI9I3JODRmOary9O6zbmJis" +
        "84c/D4GvWNm126xMaK0cN+B22eGWIcrLPr3e6BttZBLPo5ESu+0MFuUWFIgr0BrNGVMAug8EE9rFawbYLhvYe+WhAjafhSONnneu" +
        "BU1/K2TAtuyI0wd+yUX4pxrTk/sLR4d2KuOmsXZH3EF8qS72sru9m4mD4JEfE2lUHihld4HeZbtQg64CXlkD+lBImNGmSLAPEidI" +
        "v2zz5sp05jP6C7ADuBpDXo2rmaCsZoq+TqpHarooPtlV86xkeBE4RXr1dL8BA1X5dO/MzrOy02Isqqj5kuFGMdH5vBokbdn1IqxY" +
        "+Tv8QINdOhjqeP7Wyb39p78XVxQsyvdwP7X+VWM5TycZkmzh9OJuPQSrTWvZDbWe11ULX4BT8NNMG2t75CGv7XliaSi1HTtan6eH" +
        "UuA7igGlW7a8v33N2gMqE9mHaz7gFf7+PYJT/IFtm0vMTD8xcm/RVrXGH2aoRL5VdO+FjpFbcnWwN1hJUKAX0OPziormzSsspGW3" +
        "g421SMUKGCZYPa1Hui7b/7QY2bqEr8BbXyfeQPx2auzVPisCb/EIm9KO/bzm5rw3mojPFDqf49mhb5TM1HwY+hu1ktOnyhGxoo0L" +
        "ex36TwTbvLDejLFydjllEZY3sbnRPnTx6olHw2buiHmNnWZ7JsR9RZ+0PhkdDCtGcJkuR5l+I6ahD+K/yfHj0pQQpxtfub89/yGH" +
        "Izo5dEkobg9RemttBbNkW5llxYpKx8lroCzwNUnwE1MXb2SXmGYEjysj4B5nwA26u+heAqyEn9kj+Z9sQdyD19bgWvqjVB/hWvg7" +
        "D1st2PYAxZljMSJoQWgzYvrBt5gqT9nmEhaY9f7hY2NszrNXYfd27WjfrPPLTkfQBihuvcfmjw+8vfFTH7ZMsII1E/1vl5zCGV7F" +
        "FWGaq9Qg6rtQZUFO6KlxLVrh0hrMoa1wDVaQtAYSgCTco511jbqHKvXUgtrp/udeghCrvl+StyIurh9UEjXWtlpZY+3oIGhpUKDG" +
        "2lNrw81ZWNiTHWGhp8F/6docCZKknLVLwf80C2VHQGINAHQSWnAv1A72JeYZZ1kQHgfCgEb2o57o9nLzJhlwUHiDVhkzqAzBrfUy" +
        "rWKMqM9M2j8zcWsyPBP4bx1MYpRfbZgoPpR/UjA06RFPw5r38iPdY/w5h7HxzJhaSPW0ScVr+OpKmxr5m0ayVIgg3mQBVkH86ulm" +
        "SkRDz4n4kNnkCJigqSXAEtgOp+EK3IVWak670HAaR0voV/RX4QUhSkgXPhL+EM3FnmKQOFqMETdJFlJvKU4qlWqkH6Q7slYeLI+S" +
        "4+VFcqm8X/5SfmzSzeRlk2Ump0wumjSbWpn2M51ommq61HSjaYXpR6bnTC+Z/mbmbjbFbJlZtdlNc1PzUebZ5ivMK8yPm/+jk2kn" +
        "304xnUo7He/0k0UPixct0iwWW+ywOGZx1eJR516dAzundN7c+cvONy1fsOxlOdpyleX3ls1WI6xWWf3d6qq1k3WQ9WTrPOsi63Lr" +
        "y9a/aDprQjR5mvc0ZzWPbfraxNq8ZvOpzVmbizZ/2FLFx6IFxXz8rz+STWdaDfmDOJsqjPnJd+tU4/lxdut+q3NmyTjWlFCVceI5" +
        "kkTPovB2gbPoTU7J1WSNtJ7sNBVJsNxMCmgOOSVUkoPYKsS+xAuf1wnmJB1rmEw8f0f52+/1JB7bTWzl2FZhi8a2HVux4boIW6rg" +
        "T25gW8JxGJtYQUqQ0hVyP2IuO5Ea6RpJkivwPF9t8nq8riI1tJk3fYnsj/dxnMkjfIb3ZaRfuqKeZS98dopskPIQVzHeQ5ymF8hQ" +
        "2Zt4Sl+j3zpHovlaOM14XoPzn+cKhC1GSiKR0hGyVzymnKOldBIpFCAc71eRvfQYb/oaaaLaN51C9vD7UrEKx8cJDxD+FK7zAumK" +
        "z3ZKQcTZJIGES17EGftOYiXHBYQ2gsjPyvoJqeJn6TrZz/kpVwNBnLMUnDkIV0yixFySIR4hUcb5hB6I+wD2rclQDsfHKc/xmTyJ" +
        "TDGuQx6MtHUl3lIy2SEHk+VIR395GnlVfkgicd4MU7WV8/m5/pikM8zTrLWPs5/4WZ17xtbQCgmIG2kN/x4p+UtbeP6pnoWLqEOY" +
        "p9BOpliHipSKiwlZhhAjjKATkl5KwDjt0tNGtmN2UGaSDtfRpekxU1A3ro1o+YS/aQTlLJJY5WyNd0SyiBwifycfkYvCWRc7F4+e" +
        "NgqkCzlouHvIxVa9q2/QH9Tv0+/Vl7RW/5T207SrmX9ah3EzIdP4bCL/ZamvMj/vA3HAK7VPiSmEGvoCcYEIQ19s15dIF8gw9GXS" +
        "A14jI0kmySL5JBs9UjJJIblIZy8yC6sZF+KHVZsv8cdePI5wIcE4JpfkYMsmiSSOpJO/4d1RJAPH98Hei2QO7i5kYhuuHOUqEc+J" +
        "CDMPjwk40vw/mDWwbdZJONM8nCsVYTJwNKcjDmH+uxlDsJeKcFNIHo6YhWPjFGyJCkScsiIXxJKBxywcE494Z+M4F4TPxNnjlGfP" +
        "4nlFwZKDFGXi+IS/eOrS9nyKQlUO4spUZvJD2vxJUAc4I5RPG5Sqbbjpf+S/N37uRrmXRD1TNdKi7S6PkEuUe7yZ43xDCA0JHTuJ" +
        "WM6Jy83AHFeJSoqGGnvK6LTE7Az1XZPSRKL6bZwF63kcKc+RfyHd+LvcP2/sAuJJ01foo3jvLzcPpXk8vaGP05/Q5+krsDfkz8P1" +
        "H6nt+RvaEZacvP2bre+f5v/Ptr8cqU/7ayD2kf4Eu6B/XW//XMiVnGYD5UV4LFP6z6Vff7mt9+/4SfQRhnOF2tpDPr3qcCx6HpfZ" +
        "Pv1H7F/6OOyd+IuZ8hRaPDg9+rMdnpzlOP5aTohzpf4y46sPeS7ms89ducd/KbE/61l7rBVtvb/Ql6cj/v29567vMrvAzqLc456n" +
        "d6yJ3Wf3ld59vTNviNlZ37ndPCf+u+WxJn0atgouk2clrq4QablsXOtTyeijuIWixT13XU+tDaX5LM6of2+RHWXYRuc+5Ms+fYR+" +
        "yPPguDaoGmE4pj1P//9/b5z3nFv/ix/5v2I/+zzucB/J/g8r5FIwSuK/git6nt3/B3Bxf2Wz/3YDjBGWpCdxJW7EnXhinP8bxjZf" +
        "0g+jnz/pTwIw1geRAWQgGUQGY8wLI2MxBk4lkRjrAOEG4pEqeRX/fw+5LR9SSwYzjGmdMN51xjmsMP/SEBusX+06UPDU/zq09Rw7" +
        "jOjSVplhvYoVNiC+CMO8z9/EtmqOKHSRNsqM9D2t+8hzKO24WWPTYLMxXNsqR7t21DsoFHdpo9AYz98gbxI7JZ4vjMuOiyfL47LT" +
        "M8jy+Oy42WT5rLiMHDymJGbjMT97DlmenJiJ/eTsxDSyPCUuA8ekJMbjnbS4jDiyfE5cpgs/Yl6wPD0uN4Usz0jjdzKT49LJ8uy8" +
        "DByZm5SRjMcUjr9d7tC2/T9NWCMf9DUAAA==";
}
