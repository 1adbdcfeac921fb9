"""What the checks look for in Spanish: :data:`ES` (patterns and messages) and :data:`ES_TERMS` (the labels).

Word lists and regexes kept as data, so every heuristic can be read. Patterns are written with their accents and
folded when compiled (see :mod:`incident_comms.lint.text`), and match case-insensitively unless said otherwise. To
teach a check a phrase, add it here and a draft to ``tests/lint_corpus/`` that needs it.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from incident_comms.lint.text import pattern
from incident_comms.lint.words_shared import TECH, Words

_ES_PEOPLE = (
    r"(?:ingenier[oa]|emplead[oa]|t[eé]cnic[oa]|desarrollador(?:a)?|administrador(?:a)?|operador(?:a)?|becari[oa]|"
    r"compañer[oa]|programador(?:a)?|responsable\s+de\s+guardia|miembro\s+del\s+equipo)(?:e?s)?"
)
_ES_VENDOR = (
    r"(?:proveedor(?:es)?|terceros?|socio|partner|centro\s+de\s+datos|operadora|aws|amazon(?:\s+web\s+services)?|"
    r"google(?:\s+cloud)?|microsoft|azure|cloudflare|akamai|stripe|twilio|github|banco|agencia\s+tributaria|"
    r"hacienda|compañ[ií]a\s+telef[oó]nica|hosting|empresa\s+externa)"
)
_ES_FIXED = (
    r"(?:resuelt[oa]s?|solucionad[oa]s?|restablecid[oa]s?|arreglad[oa]s?|reparad[oa]s?|recuperad[oa]s?|"
    r"operativ[oa]s?|funcionando(?:\s+con\s+normalidad)?|disponibles?\s+de\s+nuevo|de\s+nuevo\s+disponibles?|"
    r"normalizad[oa]s?)"
)

_ES_AGENT = (
    rf"(?:{_ES_PEOPLE}|alguien|personal|equipos?(?:\s+de\s+\w+(?:\s+de\s+\w+)?)?|clientes?|usuari[oa]s?|empresas|"
    rf"socios?|pasarelas?|bancos?|operadoras?|{_ES_VENDOR})"
)
"""A quién se puede culpar: personas, un equipo, clientes, un proveedor."""
_ES_GAP = r"(?:[\s,:]+\S+){0,8}?[\s,:]+"
_ES_WRONGDOING = (
    r"(?:olvid\w*|se\s+salt\w*|salt[oó]|saltaron|ignor\w*|descuid\w*|no\s+(?:sigui[oó]|siguieron|comprob[oó]|"
    r"comprobaron|revis[oó]|revisaron|avis[oó]|avisaron|prob[oó]|probaron)|sin\s+(?:avisar|probar|comprobar|revisar|"
    r"consultar)\w*|por\s+error|satur\w*|sobrecarg\w*|inund\w*|abus\w*|mal\s+hech\w*|us(?:o|aron|an)\s+mal|"
    r"envi[oó]\s+millones|enviaron\s+millones|provoc(?:[oó]|aron)|caus(?:[oó]|aron)|rompi(?:[oó]|eron)|"
    r"se\s+equivoc\w*|cometi(?:[oó]|eron)|no\s+(?:actualiz\w+|hicieron|hizo|cumpli\w+|atendi\w+|renov\w+|pag\w+))"
)
"""Lo que alguien hizo mal, en activa: *se saltó un paso*, *la saturan con scripts*, *aplicó … sin avisar*."""

ES: Final = Words(
    code="es",
    next_update=pattern(
        r"\bpr[oó]xim[oa]s?\s+(?:actualizaci[oó]n|aviso|mensaje|comunicado|informaci[oó]n|noticias?)",
        r"\bpr[oó]x\.\s*(?:aviso|actualizaci[oó]n|act\.)",
        r"\bsiguiente\s+(?:actualizaci[oó]n|aviso|mensaje)",
        r"\bnuevo\s+(?:aviso|mensaje|comunicado)\b",
        r"\bvolveremos\s+a\s+(?:informar|escribir|actualizar|publicar|dar\s+noticias|contactar)",
        r"\b(?:le|les|os)\s+(?:informaremos|actualizaremos|avisaremos|escribiremos|contaremos|daremos\s+noticias)\b",
        r"\b(?:publicaremos|enviaremos|daremos|compartiremos)\s+(?:una|otra|la\s+pr[oó]xima|m[aá]s|nueva|nuevas)\s+"
        r"(?:actualizaci[oó]n|aviso|informaci[oó]n|noticias?)",
        r"\bnuevas?\s+actualizaci(?:[oó]n|ones)\b",
        r"\bm[aá]s\s+(?:info(?:rmaci[oó]n)?|noticias|detalles)\s+(?:a\s+las|en|antes|hacia)\b",
        r"\b(?:le|les|os)\s+(?:escribimos|escribiremos|contamos|informamos)\s+(?:otra\s+vez|de\s+nuevo|antes|a\s+las)\b",
        r"\b(?:actualizaremos|informaremos|escribiremos|avisaremos)\b",
        r"\b(?:otra|nueva)\s+(?:actualizaci[oó]n|informaci[oó]n)\b",
        r"\b(?:te|le|les|os)\s+(?:escribimos|escribiremos|contamos|contaremos|informamos|avisamos|avisaremos|informaremos)\b",
        r"\binfo(?:rmaci[oó]n)?:?\s+(?=\d|a\s+las\b)",
        r"\b[uú]ltim[oa]\s+(?:aviso|actualizaci[oó]n|mensaje|nota|comunicado)\b",
    ),
    relative_time=pattern(
        r"\b(?:en|dentro\s+de)\s+(?:los\s+pr[oó]ximos\s+|las\s+pr[oó]ximas\s+)?(?:\d{1,3}|un|una|uno|dos|tres|cuatro|"
        r"cinco|seis|diez|quince|veinte|treinta|cuarenta\s+y\s+cinco|noventa|media)\s+(?:minutos?|min|horas?|h)\b",
        r"\ba\s+las\s+(?:\d{1,2}|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce)\b"
        r"(?:\s*(?:h|horas)\b|\s+(?:en\s+punto|y\s+media|y\s+cuarto|de\s+la\s+(?:mañana|tarde|noche)))?",
        r"\ba\s+la\s+una\b",
        r"\ba\s+(?:mediod[ií]a|medianoche)\b",
    ),
    vague_time=pattern(
        r"\b(?:pronto|en\s+breve|lo\s+antes\s+posible|cuanto\s+antes|m[aá]s\s+tarde|pr[oó]ximamente|"
        r"peri[oó]dicamente|regularmente|a\s+lo\s+largo\s+del\s+d[ií]a)\b",
        r"\ben\s+cuanto\s+(?:sepamos|tengamos|podamos)\b",
        r"\bcuando\s+(?:sepamos|tengamos)\s+m[aá]s\b",
    ),
    deadline=pattern(
        r"\b(?:hoy|esta\s+(?:mañana|tarde|noche)|mañana|enseguida|en\s+breve|pronto|en\s+seguida)\b",
        r"\ben\s+(?:unos|pocos|unas|pocas)\s+(?:minutos|horas)\b",
        r"\bantes\s+de\s+(?:las|la\s+una|el\s+mediod[ií]a|que\s+acabe\s+el\s+d[ií]a|esta\s+noche|mañana|"
        r"fin\s+de\s+d[ií]a)\b",
        r"\ba\s+lo\s+largo\s+del\s+d[ií]a\b",
        r"\ben\s+cuesti[oó]n\s+de\s+(?:minutos|horas)\b",
        r"\ba\s+mediod[ií]a\b|\bal\s+mediod[ií]a\b",
    ),
    data_loss=pattern(
        r"\bdatos\s+perdidos\b",
        r"\bp[eé]rdida\s+de\s+datos\b",
        r"\bse\s+(?:ha|han)\s+perdido\b",
        r"\b(?:sus|los|todos\s+los)\s+(?:datos|documentos|archivos|facturas)\s+(?:est[aá]n|siguen|permanecen)\s+"
        r"(?:a\s+salvo|seguros|intactos)\b",
        r"\bdatos\s+afectados\b",
        r"\bsi\s+(?:hay|se\s+han\s+perdido|se\s+perdieron)\s+datos\b",
        r"\bning[uú]n\s+dato\b",
        r"\b(?:hemos|han)\s+perdido\s+datos\b",
        r"\bse\s+(?:perdi[oó]|perdieron)\b",
        r"\bno\s+se\s+(?:ha|han)\s+(?:perdido|borrado)\b",
        r"(?:^|\n)\s*(?:sus\s+)?(?:datos|p[eé]rdida\s+de\s+datos)\s*:",
        r"(?:^|\n)\s*(?:sus\s+)?(?:datos|p[eé]rdida\s+de\s+datos)\s*:",
        r"\bdatos:\s*(?:ninguno|no|s[ií]|a[uú]n\s+no|se\s+desconoce|desconocido|algunos)\b",
    ),
    data_thing=pattern(
        r"\b(?:datos?|archivos?|ficheros?|documentos?|registros?|facturas?|grabaciones?|mensajes?|correos?|"
        r"transacciones?|pagos?|pedidos?|copias\s+de\s+seguridad|adjuntos?|fotos?|contactos?|informaci[oó]n|"
        r"contenidos?|cambios|historial|borradores?|recibos?|informes?|notas|llamadas|bases?\s+de\s+datos|"
        r"cobros?|remesas?|env[ií]os?)\b"
    ),
    data_state=pattern(
        r"\b(?:perd\w*|p[eé]rdidas?|borrad[oa]s?|eliminad[oa]s?|corrupt[oa]s?|corrompid[oa]s?|dañad[oa]s?|"
        r"intact[oa]s?|a\s+salvo|segur[oa]s|[ií]ntegr[oa]s|integridad|conservad[oa]s?|desaparecid[oa]s?|"
        r"extraviad[oa]s?|en\s+riesgo|sin\s+da[ñn]os?|no\s+(?:se\s+)?(?:ha|han)\s+visto\s+afectad[oa]s?)\b",
        r"\b(?:registr\w*|guardad[oa]s?|guard[oó]|almacenad[oa]s?|procesad[oa]s?)\s+(?:\w+\s+)?(?:correctamente|con\s+normalidad|bien|sin\s+problemas?)\b",
        r"\bno\s+corren?\s+(?:ning[uú]n\s+)?(?:peligro|riesgo)\b",
    ),
    unknown=pattern(
        r"\b(?:a[uú]n|todav[ií]a)\s+no\s+(?:\w+\s+)?(?:sabe\w*|conoce\w*|est[aá]\s+claro|confirm\w*|determin\w*|"
        r"podemos|se\s+puede|hemos\s+podido)\b",
        r"\bno\s+(?:lo\s+)?(?:se\s+sabe|sabemos|podemos\s+(?:confirmar|descartar|asegurar))\b",
        r"\b(?:se\s+desconoce|desconoc\w*|sin\s+confirmar|(?:pendiente|por)\s+(?:de\s+)?(?:confirmar|determinar))\b",
        r"\b(?:seguimos|estamos|continuamos)\s+(?:\w+\s+)?(?:comprobando|verificando|revisando|analizando|"
        r"investigando|evaluando|confirmando|validando|auditando)\b",
        r"\b(?:est[aá]|est[aá]n|sigue|siguen)\s+(?:a[uú]n\s+|todav[ií]a\s+)?(?:en\s+(?:revisi[oó]n|an[aá]lisis|estudio)|"
        r"pendientes?\s+de)\b",
    ),
    guess=pattern(
        r"\b(?:probablemente|posiblemente|seguramente|presumiblemente|en\s+principio|es\s+probable|"
        r"(?:no\s+)?creemos\s+que|parece\s+que|no\s+deber[ií]a(?:n)?|suponemos|esperamos\s+que\s+no|"
        r"todo\s+indica)\b"
    ),
    impact=pattern(
        r"\bno\s+(?:\w+\s+)?(?:puede|pueden|pudo|pudieron|pod[ií]a|pod[ií]an|podr[aá]|podr[aá]n|pueda|puedan|"
        r"se\s+puede|se\s+pod[ií]a|se\s+pueden)\b",
        r"\bpuede\s+que\s+no\b",
        r"\b(?:puede|pueden|podr[ií]a|podr[ií]an)\s+(?:\w+\s+){0,2}?(?:recibir|ver|tener|sufrir|notar|encontrar)\s+"
        r"(?:\w+\s+){0,2}?(?:errores|fallos|retrasos|problemas|lentitud)\b",
        r"\bno\s+(?:funciona|funcionan|funcionaba|funcionaban|carga|cargan|cargaba|cargaban|sincroniza|sincronizan|"
        r"sincronizaban|llega|llegan|lleg[oó]|llegaron|est[aá]\s+disponible|est[aá]n\s+disponibles|estaba\s+disponible|"
        r"estaban\s+disponibles|responde|responden|respond[ií]a|abre|abren|se\s+env[ií]a(?:n|ba|ban)?)\b",
        r"\b(?:con|sufren|sufr[ií]an|tienen|ten[ií]an|reciben|recib[ií]an|recibieron|dan|daban|dieron)\s+"
        r"(?:\w+\s+)?(?:errores|fallos|retrasos|lentitud)\b",
        r"\b(?:se\s+)?(?:retrasa|retrasan|retras[oó]|retrasaron|retrase|retrasen|retrasaban)\b",
        r"\bcon\s+retraso\b",
        r"\bm[aá]s\s+lent[oa]s?\b",
        r"\bva(?:n)?\s+(?:muy\s+)?lent[oa]s?\b",
        r"\b(?:fueron|son|han\s+sido)\s+rechazad[oa]s\b",
        r"\b(?:no\s+disponible|ca[ií]d[oa]|sin\s+servicio|interrumpid[oa]|inaccesible|fuera\s+de\s+servicio)\b",
        r"\b(?:fallan|fallaban|fall[oó]|fallaron|falla)\s+(?:al|en|las|los|la|el|durante|con|para|desde|cuando)\b",
        r"\b(?:aparec[ií]a|aparec[ií]an|aparece|aparecen|sale|sal[ií]a)\s+(?:un\s+)?(?:error|errores|fallo)\b",
        r"\bcon\s+errores\b",
        r"\b(?:errores|fallos|lentitud)\s+al\s+\w+",
        r"\bsin\s+poder\b",
        r"\blent(?:o|a|os|as|itud)\b",
        r"\bdespacio\b",
        r"\btard(?:a|an|aba|aban|[oó]|aron|ando|ar[aá]n?)\b",
        r"\bm[aá]s\s+de\s+lo\s+(?:normal|habitual)\b",
        r"\bcon\s+(?:hasta\s+)?(?:\w+\s+){0,3}?de\s+retraso\b",
    ),
    symptom=pattern(
        r"\b(?:fall(?:a|an|aba|aban|ó|aron|ando|ido|e|en))\b",
        r"\b(?:no\s+disponible|indisponib\w*|inaccesible|ca[ií]d[oa]s?|ca[ií]da|interrump\w*|interrupci\w*|"
        r"intermitent\w*|degradad\w*|inestab\w*)\b",
        r"\b(?:lent[oa]s?|lentitud|m[aá]s\s+despacio|retras\w*|demora\w*|atascad\w*|bloquead\w*|colgad\w*|"
        r"pendientes?|tarda\w*|sin\s+respuesta)\b",
        r"\bno\s+(?:se\s+|le\s+|les\s+|nos\s+)?(?:\w+\s+)?(?:puede\w*|pued[ae]n?|pudo|pudieron|pod[ií]a\w*|"
        r"podr[aá]\w*|es\s+posible|fue\s+posible|era\s+posible|funciona\w*|carga\w*|abr[eií]\w*|aparec\w*|"
        r"llega\w*|lleg[oó]|envi\w*|env[ií]a\w*|genera\w*|gener[oó]|sincroniza\w*|complet\w*|termina\w*|"
        r"procesa\w*|import\w*|export\w*|actualiza\w*|guarda\w*|sub\w*|descarg\w*|respond\w*|conect\w*|"
        r"muestra\w*|mostr\w*|emit\w*|cobr\w*|cop[ií]\w*|sal(?:e|en|[ií]a|[ií]an|i[oó]|ieron))\b",
        r"\bsin\s+ser\s+posible\b",
        r"\bsin\s+(?:generarse|enviarse|cargar|funcionar|poder|acceso|servicio|procesar(?:se)?|llegar|salir)\b",
        r"\b(?:rechaza\w*|duplicad\w*|incorrect\w*|err[oó]ne\w*|en\s+blanco|vac[ií][oa]s?)\b",
    ),
    recovery=pattern(
        r"\b(?:de\s+nuevo|otra\s+vez|restablecid\w*|recuperad\w*|normalizad\w*|vuelve\w*\s+a\s+\w+|"
        r"volvi[oó]\s+a\s+\w+|volvieron\s+a\s+\w+)\b",
    ),
    internal_subject=pattern(
        r"\b(?:servidor(?:es)?|bases?\s+de\s+datos|cl[uú]ster(?:es)?|nodos?|monitorizaci[oó]n|m[eé]tricas?|"
        r"alarmas?|alertas|infraestructura|internos?|internas?|sistemas?|colas?|procesos?|instancias?|"
        r"contenedores?|equipo\s+t[eé]cnico|ingenier[oa]s?|latencia|capacidad|dependencias?)\b"
    ),
    customer_subject=pattern(
        r"\b(?:usted|ustedes|su|sus|le|les|clientes?|usuari[oa]s?|cuentas?|facturas?|pagos?|cobros?|recibos?|"
        r"documentos?|archivos?|ficheros?|subidas?|descargas?|sesi[oó]n|acceso|panel|aplicaci[oó]n|web|p[aá]ginas?|"
        r"correos?|informes?|pedidos?|remesas?|tarjetas?|transferencias?|peticiones|llamadas\s+a\s+la\s+api)\b"
    ),
    problem=pattern(
        r"\b(?:problemas?|incidencias?|incidentes?|fallos?|interrupci[oó]n|interrupciones|ca[ií]das?|errores|"
        r"aver[ií]as?|correcci[oó]n|arreglo)\b",
        r"\blatencias?\b|\b[1-5]xx\b|\berrores\b",
    ),
    blame=pattern(
        r"\berror(?:es)?\s+humanos?\b",
        rf"\berror(?:es)?\s+(?:de|del|de\s+un|de\s+una|de\s+uno\s+de\s+nuestros|de\s+nuestr[oa]s?)\s+(?:\w+\s+)?"
        rf"{_ES_PEOPLE}",
        rf"\b(?:un|una|uno\s+de\s+nuestros|una\s+de\s+nuestras|nuestr[oa]s?|el|la|los|las)\s+{_ES_PEOPLE}\s+"
        r"(?:\w+\s+){0,2}?(?:cometi[oó]|cometieron|se\s+equivoc[oó]|se\s+equivocaron|borr[oó]|borraron|olvid[oó]|"
        r"olvidaron|no\s+(?:revis[oó]|sigui[oó]|comprob[oó]|hizo)|configur[oó]\s+mal|rompi[oó]|provoc[oó]|caus[oó]|"
        r"elimin[oó]|ejecut[oó]|por\s+error|por\s+descuido|sin\s+querer)",
        rf"\b(?:causad[oa]s?|provocad[oa]s?|originad[oa]s?)\s+por\s+(?:el\s+|la\s+|un\s+|una\s+|nuestr[oa]\s+|los\s+|"
        rf"uno\s+de\s+nuestros\s+)?(?:\w+\s+)?{_ES_VENDOR}\b",
        r"\b(?:por\s+culpa\s+de|culpa\s+(?:de|del|suya)|la\s+culpa|es\s+culpa|tiene(?:n)?\s+la\s+culpa|culpables?|"
        r"culpar|culpamos|negligencia|descuido|incompetencia)\b",
        rf"\b{_ES_VENDOR}\s+(?:\w+\s+){{0,6}}?(?:fall[oó]|nos\s+fall[oó]|provoc[oó]|caus[oó]|es\s+(?:el\s+)?responsable|"
        r"fue\s+(?:el\s+)?responsable|tuvo\s+la\s+culpa|cometi[oó]|se\s+equivoc[oó])",
        rf"\b(?:debido\s+a|por)\s+(?:un\s+|una\s+|el\s+|la\s+)?(?:fallo|error|ca[ií]da|problema|incidencia)\s+"
        rf"(?:de|del|en\s+el|en\s+la|en|de\s+nuestro|de\s+la)\s+(?:\w+\s+)?{_ES_VENDOR}\b",
        r"\b(?:el|otro|un|nuestro)\s+equipo\s+(?:de\s+\w+\s+)?(?:\w+\s+)?(?:cometi[oó]|se\s+equivoc[oó]|olvid[oó]|"
        r"no\s+(?:revis[oó]|sigui[oó])|rompi[oó]|provoc[oó]|caus[oó])",
        r"\b(?:un|algunos|ciertos|un\s+solo|unos)\s+clientes?\s+(?:\w+\s+){0,6}?(?:provoc[oó]|provocaron|caus[oó]|"
        r"causaron|sobrecarg[oó]|sobrecargaron|abus[oó]|abusaron|hizo\s+un\s+mal\s+uso|hicieron\s+un\s+mal\s+uso|"
        r"usaron\s+mal|satur[oó]|saturaron|colaps[oó]|colapsaron|tumb[oó]|tumbaron)\b",
        r"\b(?:error|fallo)\s+del\s+(?:usuario|cliente)\b",
        r"\bmal\s+uso\s+(?:del|de\s+los|de\s+las|por\s+parte)\b",
        r"\bno\s+es\s+(?:culpa|responsabilidad)\s+nuestra\b",
        rf"\b(?:un|una|uno\s+de\s+nuestros|una\s+de\s+nuestras|nuestr[oa]s?|el|la|los|las|varios|varias|algunos|"
        rf"algunas|unos|unas|ciertos|ciertas)\s+(?:\w+\s+)?{_ES_AGENT}\b{_ES_GAP}{_ES_WRONGDOING}\b",
        rf"\b(?:causad[oa]s?|provocad[oa]s?|originad[oa]s?)\s+por{_ES_GAP}{_ES_AGENT}\b",
        rf"\b(?:debido\s+a|a\s+causa\s+de|el\s+origen\s+(?:fue|est[aá]\s+en)|se\s+debi[oó]\s+a)\s+(?:\S+\s+){{0,4}}?"
        rf"{_ES_AGENT}\b(?!\s+(?:no\s+pod|pudieron|pod[ií]an))",
        rf"\b(?:olvido|despiste|error|fallo|descuido|negligencia|mal\s+uso|abuso)\s+(?:de|del)\s+(?:\S+\s+){{0,3}}?"
        rf"{_ES_AGENT}\b",
        r"\b(?:la|lo|las|los)\s+(?:satur|sobrecarg|inund|tumb)(?:an|aron|aban|[oó])\b",
        rf"\b(?:es|fue|ha\s+sido)\s+cosa\s+(?:de|del)\s+(?:\S+\s+){{0,3}}?{_ES_AGENT}\b",
        rf"\b(?:se\s+deb(?:e|i[oó])\s+a|(?:viene|vino|proviene|provino)\s+de|tiene\s+su\s+origen\s+en)\s+(?:\S+\s+){{0,4}}?{_ES_AGENT}\b",
        r"\balguien\s+(?:\S+\s+){0,5}?(?:cambi[oó]|borr[oó]|toc[oó]|aplic[oó]|modific[oó]|olvid[oó]|desactiv[oó]|elimin[oó]|rompi[oó]|lanz[oó]|ejecut[oó])\b",
    ),
    commitment=pattern(
        rf"\b(?:quedar[aá]n?|estar[aá]n?|ser[aá]n?|volver[aá]n?\s+a\s+estar|va(?:n)?\s+a\s+(?:quedar|estar))\s+"
        rf"(?:\w+\s+)?{_ES_FIXED}\b",
        r"\b(?:volver[aá]n?|va(?:n)?\s+a\s+volver)\s+a\s+funcionar\b",
        r"\b(?:lo\s+|la\s+|los\s+|las\s+)?(?:resolveremos|solucionaremos|arreglaremos|restableceremos|repararemos|"
        r"recuperaremos)\b",
        r"\bhora\s+(?:estimada|prevista)\s+de\s+(?:resoluci[oó]n|soluci[oó]n|recuperaci[oó]n|restablecimiento)\b",
        r"\beta\b",
        r"\bgarantizamos\b",
        r"\bgarantizad[oa]\b",
        rf"\b(?:lo|la|los|las)\s+tendremos\s+(?:todo\s+)?(?:\w+\s+)?(?:{_ES_FIXED}|list[oa]s?)\b",
        r"\bfuncionar[aá]n?\s+(?:sin\s+problemas?|con\s+normalidad|de\s+nuevo|otra\s+vez|correctamente|bien)\b",
    ),
    hedged_commitment=pattern(
        rf"\bdeber[ií]a(?:n)?\s+(?:estar|quedar)\s+(?:\w+\s+)?{_ES_FIXED}\b",
        r"\b(?:esperamos|prevemos|contamos\s+con|confiamos\s+en)\s+(?:poder\s+)?(?:resolver|solucionar|restablecer|"
        r"arreglar|recuperar)\w*\b",
        r"\b(?:esperamos|prevemos)\s+que\s+(?:\w+\s+){0,3}?(?:quede|est[eé]|vuelva)\b",
        rf"\bprevisiblemente\s+(?:\w+\s+){{0,2}}?{_ES_FIXED}",
        rf"\b(?:esperamos|prevemos|contamos\s+con|confiamos\s+en)\s+(?:poder\s+)?tener(?:lo|la|los|las)?\s+(?:todo\s+)?(?:\w+\s+)?{_ES_FIXED}",
        r"\bprevisi[oó]n\s+es\s+\w+",
    ),
    open_question=pattern(
        r"\b(?:no|sin|ninguna?)\b[^.;:!?]{0,40}?\b(?:cu[aá]ndo|si|cu[aá]nto|a\s+qu[eé]\s+hora|una\s+hora\s+(?:para|de))\s+[^.;:!?]*$",
    ),
    never_again=pattern(
        r"\bno\s+(?:volver[aá]|va\s+a\s+volver)\s+a\s+(?:pasar|ocurrir|suceder|repetirse|producirse)\b",
        r"\bnunca\s+(?:m[aá]s\s+)?volver[aá]\s+a\b",
        r"\ble\s+aseguramos\s+que\b",
        r"\bgarantizamos\b",
    ),
    jargon=pattern(
        *TECH,
        r"\blatencias?\b",
        r"\bbalanceador(?:es)?(?:\s+de\s+carga)?\b",
        r"\br[eé]plicas?\b",
        r"\bcl[uú]ster(?:es)?\b",
        r"\bnodos?\b",
        r"\bdespliegues?\b",
        r"\bdesplegad[oa]s?\b",
        r"\bdesplegamos\b",
        r"\bp[eé]rdida\s+de\s+paquetes\b",
        r"\bfuga\s+de\s+memoria\b",
        r"\btasa\s+de\s+errores\b",
        r"\bconmutaci[oó]n\s+por\s+error\b",
        r"\bbase\s+de\s+datos\s+(?:primaria|secundaria|principal)\b",
        r"\bcolas?\s+de\s+mensajes\b",
    ),
    contact=pattern(
        r"\bescr[ií]b(?:anos|a\s+(?:a|al)|enos)\b",
        r"\bcont[aá]cte(?:nos|\s+con)\b",
        r"\bcontactar\s+con\s+(?:nosotros|soporte)\b",
        r"\bp[oó]ngase\s+en\s+contacto\b",
        r"\bll[aá]menos\b",
        r"\bllame\s+al\b",
        r"\bresponda\s+a\s+este\s+(?:correo|mensaje)\b",
        r"\bcentro\s+de\s+ayuda\b",
        r"\b(?:equipo|servicio|departamento)\s+de\s+(?:soporte|atenci[oó]n)\b",
        r"\batenci[oó]n\s+al\s+cliente\b",
        r"\bsoporte\b",
    ),
    contact_path=pattern(r"(?:ayuda|soporte|contacto|estado|faq|ticket|help|support)"),
    impact_start=pattern(
        r"\b(?:inicio(?:\s+del\s+impacto)?|empez[oó]|comenz[oó]|desde|a\s+partir\s+de|empezando|entre)\b"
    ),
    impact_end=pattern(
        r"\b(?:fin(?:\s+del\s+impacto)?|termin[oó]|acab[oó]|hasta|finaliz[oó])\b",
        r"\b(?:resuelto|restablecido|solucionado)\s+(?:a\s+las|desde)\b",
        r"\bdur[oó]\b",
        r"\bduraci[oó]n\b",
    ),
    actions_taken=pattern(
        r"\bqu[eé]\s+(?:hemos\s+hecho|hicimos)\b",
        r"\bhecho:",
        r"\b(?:hemos|se\s+ha|se\s+han)\s+(?:\w+mente\s+)?(?:restaurado|restablecido|revertido|reiniciado|corregido|"
        r"reparado|sustituido|cambiado|añadido|aumentado|ampliado|aplicado|desplegado|reenviado|reprocesado|"
        r"recuperado|retirado|desactivado|activado|migrado|escalado|actualizado|parcheado|deshecho|bloqueado|"
        r"detenido|contactado|devuelto|liberado|reconstruido|vuelto\s+a)\b",
        r"\b(?:restauramos|restablecimos|revertimos|reiniciamos|corregimos|reparamos|sustituimos|añadimos|"
        r"aumentamos|ampliamos|reenviamos|reprocesamos|recuperamos|retiramos|desactivamos|migramos|deshicimos|"
        r"volvimos\s+a|devolvimos|liberamos)\b",
        r"(?m:^\s*(?:\d+[.)]\s*|[-*#]+\s*)?(?:soluci[oó]n|correcci[oó]n|mitigaci[oó]n|lo\s+que\s+(?:hicimos|hemos\s+hecho)|acciones\s+(?:realizadas|tomadas|inmediatas)|medidas\s+(?:adoptadas|tomadas|aplicadas)|qu[eé]\s+hicimos)\s*[:.\n-])",
        r"\b(?:hemos|ya\s+hemos)\s+(?:\w+mente\s+)?\w+(?:ado|ido|echo|uesto|ierto|elto)\b",
        r"\b(?!(?:seguimos|estamos|sentimos|lamentamos|pedimos|tenemos|podemos|sabemos|queremos|creemos|esperamos|vemos|somos|trabajamos|investigamos|recomendamos|rogamos)\b)\w{3,}(?:amos|imos)\b",
        r"\bya\s+(?:la|lo|las|los)\s+\w+(?:amos|imos)\b",
    ),
    actions_planned=pattern(
        r"\bqu[eé]\s+(?:haremos|vamos\s+a\s+hacer)\b",
        r"\bpara\s+que\s+no\s+(?:se\s+)?(?:repita|vuelva\s+a)\b",
        r"\bpara\s+evitar\b",
        r"\bpr[oó]ximos\s+pasos\b",
        r"\bprevisto:",
        r"\b(?:añadiremos|mejoraremos|revisaremos|cambiaremos|introduciremos|automatizaremos|vigilaremos|"
        r"probaremos|auditaremos|publicaremos|crearemos|reforzaremos|formaremos|ampliaremos|exigiremos|"
        r"documentaremos|implantaremos|implementaremos|separaremos|limitaremos|sustituiremos|actualizaremos|"
        r"retiraremos|pondremos|haremos|ensayaremos|enviaremos|comprobaremos)\b",
        r"\bvamos\s+a\s+(?:añadir|mejorar|revisar|cambiar|introducir|automatizar|publicar|reforzar)\b",
        r"\bestamos\s+(?:añadiendo|mejorando|revisando|cambiando|reforzando)\b",
        r"\b(?:informe\s+del\s+incidente|post-?mortem)\b",
        r"(?m:^\s*(?:\d+[.)]\s*|[-*#]+\s*)?(?:lo\s+que\s+haremos|acciones\s+(?:previstas|planificadas|pendientes|futuras)|medidas\s+(?:previstas|preventivas|planificadas)|a\s+continuaci[oó]n|pr[oó]ximos\s+pasos|mejoras|prevenci[oó]n|qu[eé]\s+cambiaremos|qu[eé]\s+haremos)\s*[:.\n-])",
        r"\b\w{3,}(?:aremos|eremos|iremos)\b",
        r"\bvamos\s+a\s+\w+(?:ar|er|ir)\b",
        r"\b(?:informe|an[aá]lisis|resumen)\s+(?:\w+\s+){0,4}?(?:publicaremos|enviaremos|compartiremos|llegar[aá]|se\s+publicar[aá])\b",
        r"\ba\s+continuaci[oó]n\b",
        r"\bse\s+\w+(?:ar|er|ir)[aá]n?\b",
        r"(?m:^\s*acciones\s*:)",
    ),
    root_cause=pattern(
        r"\bcausa\s+ra[ií]z\b",
        r"\bla\s+causa\s+(?:fue|es|ha\s+sido)\b",
        r"\bcausa:",
        r"\b(?:fue|fueron)\s+(?:causad[oa]s?|provocad[oa]s?)\s+por\b",
        r"\bse\s+debi[oó]\s+a\b",
        r"\bocurri[oó]\s+porque\b",
        r"\bpor\s+qu[eé]\s+(?:pas[oó]|ocurri[oó]|sucedi[oó])\b",
        r"\bel\s+origen\s+(?:fue|del\s+problema)\b",
        r"(?m:^\s*(?:\d+[.)]\s*|[-*#]+\s*)?(?:causa|causas|origen|desencadenante|por\s+qu[eé]\s+(?:pas[oó]|ocurri[oó])|qu[eé]\s+pas[oó]|qu[eé]\s+fall[oó])\s*[:.\n-])",
        r"\b(?:causad[oa]s?|provocad[oa]s?|originad[oa]s?|desencadenad[oa]s?)\s+por\b",
        r"\b(?:debido\s+a|porque|se\s+debi[oó]|se\s+origin[oó]|tuvo\s+su\s+origen|a\s+causa\s+de|por\s+culpa\s+de)\b",
    ),
    timeline=pattern(r"\bcronolog[ií]a\b", r"\bsecuencia\s+de\s+(?:hechos|eventos)\b", r"\bl[ií]nea\s+temporal\b"),
    lessons=pattern(
        r"\baprendizajes?\b",
        r"\blecci[oó]n(?:es)?\b",
        r"\bqu[eé]\s+hemos\s+aprendido\b",
        r"\bhemos\s+aprendido\b",
        r"\baprendimos\b",
        r"\baprend\w+\b",
        r"\b(?:conclusi[oó]n(?:es)?|reflexi[oó]n(?:es)?|nos\s+dimos\s+cuenta|reconocemos\s+que|deber[ií]amos\s+haber|podr[ií]amos\s+haber|qu[eé]\s+sali[oó]\s+(?:bien|mal)|(?:qu[eé]|lo\s+que)\s+nos\s+llevamos)\b",
    ),
    salutation=pattern(
        r"^(?:estimad[oa]s?|hola|buen(?:os|as)\s+(?:d[ií]as|tardes|noches)|querid[oa]s?)\b[^\n.!?]{0,60}[,:!]?\s*$"
    ),
    messages=MappingProxyType(
        {
            "impact-stated": "Diga qué notan ahora los clientes (por ejemplo, «puede que no pueda enviar facturas»): "
            "el borrador no dice cómo les afecta.",
            "data-loss-stated": "Diga si se han perdido datos: sí, no o aún no se sabe ({severity} lo exige).",
            "data-loss-unsettled": "«{text}»: una vez resuelto, diga si se perdieron datos (sí o no) o qué se perdió "
            "y qué debe hacer el cliente, no que aún se desconoce.",
            "language-matches": "Esta frase está en {language}: escriba todas las frases en el idioma del borrador.",
            "data-loss-guess": "«{text}» convierte lo que se dice de los datos en una suposición: diga sí, no o aún "
            "no se sabe.",
            "next-update-missing": "Dé la hora de la próxima actualización (por ejemplo, «Próxima actualización: "
            "15:00 CET»).",
            "next-update-vague": "«{text}» no es una hora: dé la hora de la próxima actualización (por ejemplo, "
            "15:00 CET o «en 30 minutos»).",
            "next-update-untimed": "La próxima actualización no tiene hora: dé una (por ejemplo, 15:00 CET o «en 30 "
            "minutos»).",
            "no-blame": "«{text}» señala a alguien: asuma el problema como empresa, sin culpar a personas, clientes, "
            "proveedores ni equipos.",
            "no-blame-person": "«{text}» nombra a una persona del plan: el mensaje habla por la empresa, no de "
            "personas.",
            "no-unsure-commitment": "«{text}» promete una hora de solución o un resultado: diga lo que sabe y cuándo "
            "volverá a informar, salvo que el responsable haya marcado la solución como segura.",
            "never-again": "«{text}» promete lo que nadie puede saber: diga qué va a cambiar.",
            "summary-long": "La primera frase tiene {words} palabras: empiece con un resumen sencillo de {limit} "
            "como máximo.",
            "summary-jargon": "«{text}» es jerga al principio del mensaje: dígalo como lo nota un cliente.",
            "internal-detail": "«{text}» es un detalle interno ({kind}): al cliente no le sirve y da pistas a un "
            "atacante. Quítelo.",
            "contact-given": "Diga dónde pueden preguntar los clientes: una dirección de soporte, un enlace o "
            "«contacte con nosotros».",
            "resolved-missing": "El mensaje de resolución no dice {part}.",
            "postmortem-missing": "El postmortem no incluye {part}.",
            "sms-long": "El SMS tiene {count} caracteres: se envía en {parts} partes facturadas "
            "(en una caben {limit}).",
            "sms-ucs2": " Sus caracteres {chars} no están en el alfabeto GSM-7, así que va en UCS-2 (70 "
            "caracteres en una parte, 67 por parte si se divide): sin ellos caben 160.",
            "sms-over-max": " El canal permite {max_parts} como máximo.",
            "subject-long": "El {what} tiene {count} caracteres: que tenga menos de {limit}.",
            "subject-lines": "El {what} debe ocupar una sola línea.",
            "subject-empty": "El {what} está vacío.",
        }
    ),
)
ES_TERMS: Final = MappingProxyType(
    {
        "subject": "asunto",
        "title": "título",
        "language-en": "inglés",
        "language-es": "español",
        "hostname": "nombre de un servidor interno",
        "ip": "dirección IP",
        "arn": "nombre de un recurso de AWS",
        "account": "id de una cuenta de AWS",
        "stack": "traza de error",
        "query": "texto de una consulta",
        "alarm": "nombre de una alarma interna",
        "start": "cuándo empezó el impacto",
        "end": "cuándo terminó el impacto ni cuánto duró",
        "taken": "qué se hizo",
        "planned": "qué viene ahora (acciones previstas o el informe del incidente)",
        "root_cause": "la causa raíz",
        "timeline": "una cronología",
        "actions_taken": "las acciones realizadas",
        "actions_planned": "las acciones previstas",
        "lessons": "lo aprendido",
    }
)
