/*
 * Interfaces: names, MACs, MTUs, 802.1Q sub-interfaces and addresses. Every
 * address change rebuilds the sorted list of connected prefixes (routing
 * and "is this ours") and re-resolves interface-derived rule addresses.
 */
#include "eng_internal.h"

int eng_if_set(struct engine *eng, uint32_t ifindex, const char *name, const uint8_t mac[6],
               uint16_t mtu, uint16_t vlan, uint32_t parent)
{
        struct eng_if *ifp;
        size_t n;

        if (ifindex >= ENG_MAX_IFS || !name || vlan > 4095 || mtu < 1280)
                return ENG_EINVAL;
        if (vlan && (parent >= ENG_MAX_IFS || parent == ifindex))
                return ENG_EINVAL;
        n = strlen(name);
        if (n == 0 || n >= ENG_IFNAMSIZ)
                return ENG_EINVAL;
        ifp = &eng->ifs[ifindex];
        memset(ifp->name, 0, sizeof(ifp->name));
        memcpy(ifp->name, name, n);
        memcpy(ifp->mac, mac, 6);
        ifp->mtu = mtu;
        ifp->vlan = vlan;
        ifp->parent = (uint16_t)(vlan ? parent : ifindex);
        ifp->used = true;
        eng_conn_rebuild(eng);
        return ENG_OK;
}

int eng_if_by_name(const struct engine *eng, const char *name)
{
        int i;

        for (i = 0; i < ENG_MAX_IFS; i++)
                if (eng->ifs[i].used && strcmp(eng->ifs[i].name, name) == 0)
                        return i;
        return ENG_ENOENT;
}

void eng_addr_mask(struct eng_addr *m, int af, uint8_t plen)
{
        int i, bits = af == 4 ? 32 : 128;

        memset(m, 0, sizeof(*m));
        if (plen > bits)
                plen = (uint8_t)bits;
        for (i = 0; i < plen / 8; i++)
                m->ea_b[i] = 0xff;
        if (plen % 8)
                m->ea_b[i] = (uint8_t)(0xff << (8 - plen % 8));
}

bool eng_addr_match(int af, const struct eng_addr *a, const struct eng_addr *net,
                    const struct eng_addr *mask)
{
        /* net need not be masked: only the bits under mask are compared */
        if (af == 4)
                return ((a->ea_w[0] ^ net->ea_w[0]) & mask->ea_w[0]) == 0;
        return (((a->ea_w[0] ^ net->ea_w[0]) & mask->ea_w[0]) |
                ((a->ea_w[1] ^ net->ea_w[1]) & mask->ea_w[1]) |
                ((a->ea_w[2] ^ net->ea_w[2]) & mask->ea_w[2]) |
                ((a->ea_w[3] ^ net->ea_w[3]) & mask->ea_w[3])) == 0;
}

int eng_if_addr_add(struct engine *eng, uint32_t ifindex, int af, const struct eng_addr *a,
                    uint8_t prefixlen)
{
        struct eng_if *ifp;
        struct eng_ifaddr *ia;
        uint8_t *n;
        int i;

        if (ifindex >= ENG_MAX_IFS || !eng->ifs[ifindex].used || (af != 4 && af != 6) ||
            prefixlen > (af == 4 ? 32 : 128))
                return ENG_EINVAL;
        ifp = &eng->ifs[ifindex];
        n = af == 4 ? &ifp->n4 : &ifp->n6;
        ia = af == 4 ? ifp->a4 : ifp->a6;
        for (i = 0; i < *n; i++)
                if (memcmp(&ia[i].addr, a, sizeof(*a)) == 0)
                        return ENG_EEXIST;
        if (*n >= ENG_IF_MAXADDR)
                return ENG_ENOMEM;
        ia = &ia[(*n)++];
        memset(ia, 0, sizeof(*ia));
        memcpy(ia->addr.ea_b, a->ea_b, af == 4 ? 4 : 16);
        ia->plen = prefixlen;
        eng_addr_mask(&ia->mask, af, prefixlen);
        eng_conn_rebuild(eng);
        eng_rules_resolve(eng);
        return ENG_OK;
}

int eng_if_addr_del(struct engine *eng, uint32_t ifindex, int af, const struct eng_addr *a)
{
        struct eng_if *ifp;
        struct eng_ifaddr *ia;
        uint8_t *n;
        int i;

        if (ifindex >= ENG_MAX_IFS || (af != 4 && af != 6))
                return ENG_EINVAL;
        ifp = &eng->ifs[ifindex];
        n = af == 4 ? &ifp->n4 : &ifp->n6;
        ia = af == 4 ? ifp->a4 : ifp->a6;
        for (i = 0; i < *n; i++) {
                if (memcmp(ia[i].addr.ea_b, a->ea_b, af == 4 ? 4 : 16) == 0) {
                        memmove(&ia[i], &ia[i + 1], (size_t)(*n - i - 1) * sizeof(*ia));
                        (*n)--;
                        eng_conn_rebuild(eng);
                        eng_rules_resolve(eng);
                        return ENG_OK;
                }
        }
        return ENG_ENOENT;
}

void eng_conn_rebuild(struct engine *eng)
{
        uint32_t i, j, n = 0;
        int af;

        for (i = 0; i < ENG_MAX_IFS; i++) {
                const struct eng_if *ifp = &eng->ifs[i];

                if (!ifp->used)
                        continue;
                for (af = 4; af <= 6; af += 2) {
                        const struct eng_ifaddr *ia = af == 4 ? ifp->a4 : ifp->a6;
                        uint32_t cnt = af == 4 ? ifp->n4 : ifp->n6;

                        for (j = 0; j < cnt; j++) {
                                struct eng_conn *c = &eng->conn[n++];

                                c->af = (uint8_t)af;
                                c->plen = ia[j].plen;
                                c->ifindex = (uint16_t)i;
                                c->addr = ia[j].addr;
                                c->mask = ia[j].mask;
                        }
                }
        }
        /* insertion sort, longest prefix first: the first match wins */
        for (i = 1; i < n; i++) {
                struct eng_conn t = eng->conn[i];

                for (j = i; j > 0 && eng->conn[j - 1].plen < t.plen; j--)
                        eng->conn[j] = eng->conn[j - 1];
                eng->conn[j] = t;
        }
        eng->nconn = n;
}

bool eng_addr_is_self(const struct engine *eng, int af, const struct eng_addr *a)
{
        uint32_t i;

        for (i = 0; i < eng->nconn; i++) {
                const struct eng_conn *c = &eng->conn[i];

                if (c->af == af &&
                    (af == 4 ? c->addr.ea_w[0] == a->ea_w[0] : eng_addr_eq(&c->addr, a)))
                        return true;
        }
        return false;
}
