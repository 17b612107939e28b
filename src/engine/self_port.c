/*
 * The services port: the appliance's own TCP/IP stack behind one of the
 * fw's ports. The engine keeps answering ARP, ND and pings for the
 * appliance's addresses itself; TCP and UDP addressed to them, once the
 * ruleset has passed them in, go to the stack unchanged (the stack holds
 * the same addresses, so nothing is translated), to the MAC its device
 * has: the stack never has to be asked for it. Multicast and broadcast
 * stay here (later services that want them, a DHCP server, are given
 * them explicitly).
 */
#include "eng_internal.h"

int eng_self_port_set(struct engine *eng, uint32_t ifindex, const uint8_t stack_mac[6])
{
        if (ifindex >= ENG_MAX_IFS || !eng->ifs[ifindex].used || eng->ifs[ifindex].vlan)
                return ENG_EINVAL;
        if (stack_mac[0] & 1)
                return ENG_EINVAL; /* a group address is no one device's */
        eng->self.on = true;
        eng->self.ifindex = (uint16_t)ifindex;
        memcpy(eng->self.mac, stack_mac, 6);
        return ENG_OK;
}

bool eng_self_deliver(struct engine *eng, struct eng_pdesc *pd)
{
        if (!eng->self.on || pd->pd_ifindex == eng->self.ifindex)
                return false;
        if (pd->pd_proto != ENG_PROTO_TCP && pd->pd_proto != ENG_PROTO_UDP)
                return false;
        if (!eng_addr_is_self(eng, pd->pd_af, &pd->pd_dst))
                return false; /* multicast or a directed broadcast */
        if (pd->pd_tot > eng->ifs[eng->self.ifindex].mtu && !pd->pd_gso) {
                eng_drop(eng, ENG_RES_TOOBIG);
                return true;
        }
        eng_output_ip_to(eng, eng->self.ifindex, eng->self.mac, pd->pd_af, pd->pd_buf + pd->pd_l3,
                         pd->pd_tot, pd->pd_gso);
        return true;
}
