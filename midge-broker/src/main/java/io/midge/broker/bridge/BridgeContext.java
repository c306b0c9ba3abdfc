package io.midge.broker.bridge;

import io.midge.broker.routing.Router;
import io.midge.broker.security.Authorizer;
import io.midge.broker.session.SessionRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;

/** What bridges use of the broker. */
record BridgeContext(SessionRegistry sessions, Router router, Authorizer authorizer, EventLoopGroup group,
                     Class<? extends SocketChannel> channelType, int maxInflight) {
}
